// Test application: fails on purpose, the way its argument says, so that the tests can check what the
// kernel reports and the exit code it leaves with (CSwiftletKVM.h):
//   fatal   a Swift fatalError                      -> panic message, exit 100
//   null    a load through a null pointer (page 0)   -> CPU exception 14, exit 101
//   memory  allocate until the heap runs out         -> out-of-memory panic, exit 102
//   status  return 7                                 -> exit 7

import Swiftlet

enum Crash {
    static func start(console: some Console, arguments: Arguments) async -> Int32 {
        let how = arguments.how
        console.log("crash: about to fail with '\(how)'")
        switch how {
        case "fatal":
            fatalError("deliberate fatal error from the crash test")
        case "null":
            let p = UnsafePointer<UInt64>(bitPattern: UInt(how.utf8.count) * 2)  // "null": 8, in page 0, opaque to the optimiser
            return Int32(truncatingIfNeeded: p.map { $0.pointee } ?? UInt64(how.utf8.count &* 1000))
        case "memory":
            var blocks: [[UInt8]] = []
            while true { blocks.append([UInt8](repeating: 1, count: 1 << 20)) }
        case "status":
            return 7
        default:
            console.log("crash: unknown mode \(how)")
            return 1
        }
    }
}
