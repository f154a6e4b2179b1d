import PapersCLI

/// The `papers` executable: everything lives in PapersCLI so tests can call it.
@main
enum Papers {
    static func main() async {
        await PapersCommand.main()
    }
}
