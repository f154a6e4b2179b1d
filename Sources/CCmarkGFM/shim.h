// GitHub's CommonMark (Debian libcmark-gfm-dev, libcmark-gfm-extensions-dev): comments are rendered by it.
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
