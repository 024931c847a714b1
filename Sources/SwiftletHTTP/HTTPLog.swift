// SwiftletHTTP: the HTTP server's log source, "http" (Swiftlet/Log.swift). What it reports, by level:
//   warning  a request refused (503) because the server's memory capacity is spent
//   info     a request refused as malformed or too large (4xx, 5xx from the parser), a request timeout
//   debug    every response: method, target, status, bytes, the client
// The request's bytes reach the log cleaned of control characters (Log.clean), so a target cannot
// forge a line.

import Swiftlet

let httpLog = LogSource("http")
