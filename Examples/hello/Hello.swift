// The hello example: prints, sleeps a second on the timers device, prints again and exits 0.
//
// The smallest Swiftlet application; on `kvm` it shows boot time and the timer path.

import Swiftlet

enum Hello {
    static func start(console: some Console, timers: some Timers) async {
        console.log("hello from Swiftlet")
        let start = timers.now
        await timers.sleep(for: .seconds(1))
        console.log("slept \((timers.now - start).milliseconds) ms; goodbye")
    }
}
