// SwiftletNet: the stack's log source, "tcp" (Swiftlet/Log.swift). What it reports, by level:
//   warning  a connection refused for the connection limit or the memory budget; the first SYN
//            cookie of a flood on a port (a full backlog)
//   info     a SYN dropped with no room even for a cookie
//   debug    each SYN cookie, each half-open connection evicted, each handshake completed, each
//            connection forgotten
// Every message is built only when its level is on, and the source reports at most
// `Log.maximumPerSecond` a second, so a flood costs a comparison per event and a summary line.

import Swiftlet

let tcpLog = LogSource("tcp")

extension TCPSocketID {
    /// "local port P from ADDRESS port Q", for the log.
    var logText: String {
        "port " + String(localPort) + " from " + remote.address.description + " port " + String(remote.port)
    }
}
