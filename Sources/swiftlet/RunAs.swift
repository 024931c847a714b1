// swiftlet run: the unprivileged user the application (tap target) and QEMU (kvm target) become when
// `swiftlet run` is root. Root is needed to create the tap and to open it, /dev/kvm, the kernel image
// and the disk; it is not kept by the code that reads frames from the network. The application drops
// it itself once its devices are open (`--user UID:GID`, SwiftletUnix's Host.dropPrivileges), QEMU
// with its own `-runas UID:GID` once the machine is built; both then have no supplementary groups.
//
// Who, in order:
// - under sudo, the invoking user (SUDO_UID and SUDO_GID, when not 0): the tap is theirs for the run;
// - else the system user `swiftlet`, created with `useradd --system` when missing: an account of its
//   own, so that nothing it might touch is shared with the other services that run as `nobody`;
// - else, where no account can be made, nobody and nogroup.

import Foundation
import SwiftletUnix

struct RunAs: Equatable {
    let uid: UInt32
    let gid: UInt32
    /// Who this is, for the line `swiftlet run` prints.
    let who: String

    /// The account the application or QEMU runs as when `swiftlet run` is root.
    static func choose(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RunAs {
        if let u = environment["SUDO_UID"].flatMap(UInt32.init), let g = environment["SUDO_GID"].flatMap(UInt32.init), u != 0, g != 0 {
            return RunAs(uid: u, gid: g, who: "the invoking user (\(environment["SUDO_USER"] ?? "SUDO_UID \(u)"))")
        }
        if let own = account("swiftlet") { return own }
        let status = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                      arguments: ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "swiftlet"], quiet: true)
        if status == 0, let own = account("swiftlet") {
            say("created the system user swiftlet (uid \(own.uid)) to run applications and QEMU as")
            return own
        }
        if let nobody = SwiftletUnix.Host.account("nobody") {
            let gid = SwiftletUnix.Host.groupID("nogroup") ?? nobody.gid
            if nobody.uid != 0 && gid != 0 {
                say("could not create the system user swiftlet (useradd status \(status)): running as nobody")
                return RunAs(uid: nobody.uid, gid: gid, who: "nobody")
            }
        }
        throw CLIError("no unprivileged user to run as: useradd could not create 'swiftlet' and there is no 'nobody' (run with sudo as yourself, or create the user: useradd --system --no-create-home --shell /usr/sbin/nologin swiftlet)")
    }

    /// `name` from the user database, with its primary group, when it exists and is not root.
    private static func account(_ name: String) -> RunAs? {
        guard let a = SwiftletUnix.Host.account(name), a.uid != 0, a.gid != 0 else { return nil }
        return RunAs(uid: a.uid, gid: a.gid, who: "the system user \(name)")
    }

    /// `UID:GID`, as the application's --user and QEMU's -runas take it.
    var argument: String { "\(uid):\(gid)" }
}
