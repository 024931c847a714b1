// The hello example's manifest: what the application is called, which type starts it, the devices its
// `start` takes. `swiftlet describe .` shows what each becomes on a target.
import SwiftletManifest

let application = Application(
    name: "hello",
    entry: "Hello",
    devices: [.console, .timers])
