import Foundation
import PapersFuzzing

/// `papers-fuzz`: the fuzz harnesses' executable. Built by `make fuzz` with `-sanitize=fuzzer,address` and
/// `-DFUZZING`, it hands control to libFuzzer; built normally, it replays files (a corpus, a crash) through the
/// harness, so a finding can be reproduced without the fuzzing toolchain. The harness is chosen by
/// `PAPERS_FUZZ_TARGET` (see `FuzzHarness`).
@main
struct FuzzMain {
    static func main() {
        let name = ProcessInfo.processInfo.environment["PAPERS_FUZZ_TARGET"] ?? ""
        guard let harness = FuzzHarness(rawValue: name) else {
            FileHandle.standardError.write(Data("PAPERS_FUZZ_TARGET: expected one of \(FuzzHarness.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"\n".utf8))
            exit(2)
        }
        current = harness
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
        #else
        var count = 0
        for argument in CommandLine.arguments.dropFirst() where !argument.hasPrefix("-") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else { continue }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).sorted().map { argument + "/" + $0 } : [argument]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                harness.run(data)
                count += 1
            }
        }
        print("\(harness.rawValue): \(count) inputs replayed")
        #endif
    }
}

/// The harness libFuzzer's C callback runs (a C function pointer cannot capture it).
nonisolated(unsafe) var current: FuzzHarness?

#if FUZZING
/// libFuzzer's entry point for one input (its driver refers to it by this name).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    current?.run(Data(bytes: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt
#endif
