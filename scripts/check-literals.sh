#!/usr/bin/env bash
# Pages are typed end to end: no URL path of the site and no Mustache template is written as a string literal in
# Sources/ outside SiteURL.swift (the site-URL type) and the .mustache files. Run by `make test`; prints each
# offending line as file:line and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
site_url=Sources/PapersCore/SiteURL.swift
# The first path segments the site answers, read from SiteRoute's patterns ("/date/:date" → date).
segments=$(grep -oE '^\s*case [a-zA-Z]+ = "/[^"/:*]*' "$site_url" | sed -E 's/.*"\///' | sed -E 's/[.].*//' | grep -v '^$' | sort -u | paste -sd'|' -)
[ -n "$segments" ] || { echo "check-literals: no routes found in $site_url" >&2; exit 2; }
status=0
# A quoted path ("/search…") or one after an interpolation ("\(base)/papers/…"), outside comments.
paths=$(grep -rnE "(\"|\\))/($segments)([/?#.\"]|\\\\\\()" Sources --include='*.swift' | grep -v "^$site_url:" \
    | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [ -n "$paths" ]; then
    echo "check-literals: site paths written by hand (use SiteURL / SiteRoute in $site_url):" >&2
    echo "$paths" >&2
    status=1
fi
# Mustache in Swift source: a template belongs in a .mustache file, rendered by TemplateName / MailTemplateName.
templates=$(grep -rnE '\{\{[#^/>!{]?[ ]*[A-Za-z.]+[ ]*\}\}|withTemplate: "' Sources --include='*.swift' \
    | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [ -n "$templates" ]; then
    echo "check-literals: templates or template names written in Swift (use a .mustache file and its name type):" >&2
    echo "$templates" >&2
    status=1
fi
[ $status -eq 0 ] && echo "check-literals: no site paths or templates outside SiteURL.swift and the .mustache files (routes: ${segments//|/ })"
exit $status
