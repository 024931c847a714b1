// SwiftletUnix: every Linux system call the hosted targets make, in one file.
//
// Each wrapper retries EINTR and reports failure as a typed `Errno`; callers never see -1 or read the
// global errno. A call that opens a descriptor returns a `FileDescriptor`, which cannot be copied and
// closes exactly once (`close()`, or when its owner goes); calls that use one take its `raw` number.

import Glibc
import CSwiftletUnix
import Swiftlet

/// An open descriptor, owned: it cannot be copied, and it is closed exactly once, by `close()` or when
/// its owner goes (then `raw` is -1). Whoever holds it decides when it ends; nothing closes a number.
struct FileDescriptor: ~Copyable, Sendable {
    private(set) var raw: Int32

    init(_ raw: Int32) { self.raw = raw }

    var isOpen: Bool { raw >= 0 }

    mutating func close() {
        if raw >= 0 { _ = Glibc.close(raw) }
        raw = -1
    }

    /// Gives the descriptor to a call that closes it itself (`fdopendir`: `closedir` closes it).
    consuming func handOver() -> Int32 {
        let r = raw
        discard self
        return r
    }

    deinit { if raw >= 0 { _ = Glibc.close(raw) } }
}

/// A Linux error number.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
    static var current: Errno { Errno(swiftlet_errno()) }

    public static let again = Errno(EAGAIN)
    public static let inProgress = Errno(EINPROGRESS)
    public static let addressInUse = Errno(EADDRINUSE)
    public static let connectionRefused = Errno(ECONNREFUSED)
    public static let connectionReset = Errno(ECONNRESET)
    public static let brokenPipe = Errno(EPIPE)
    public static let timedOut = Errno(ETIMEDOUT)
    public static let permission = Errno(EPERM)
    public static let access = Errno(EACCES)
    public static let noEntry = Errno(ENOENT)
    public static let busy = Errno(EBUSY)
    public static let interrupted = Errno(EINTR)

    public var description: String { String(cString: strerror(code)) }

    /// The application-level error for a socket failure.
    public var networkError: NetworkError {
        switch code {
        case EADDRINUSE: return .portInUse(0)
        case ECONNREFUSED: return .refused
        case ECONNRESET, EPIPE: return .reset
        case ETIMEDOUT: return .timedOut
        case ECONNABORTED: return .aborted
        case ENOTCONN, EBADF: return .notConnected
        case EMSGSIZE: return .messageTooLong(0)
        case EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL: return .exhausted
        case EACCES, EPERM: return .notPermitted
        default: return .platform(code: code)
        }
    }
}

enum Sys {
    @inline(__always)
    static func check(_ result: Int32) throws(Errno) -> Int32 {
        if result < 0 { throw Errno.current }
        return result
    }

    @inline(__always)
    static func retrying(_ call: () -> Int32) throws(Errno) -> Int32 {
        while true {
            let r = call()
            if r >= 0 { return r }
            let e = Errno.current
            if e != .interrupted { throw e }
        }
    }

    @inline(__always)
    static func retrying(_ call: () -> Int) throws(Errno) -> Int {
        while true {
            let r = call()
            if r >= 0 { return r }
            let e = Errno.current
            if e != .interrupted { throw e }
        }
    }


    /// Gives up root for good: no supplementary groups, then group `gid`, then user `uid`. As root,
    /// setgid and setuid set the real, effective and saved IDs alike, so nothing can switch back (the
    /// caller checks that setuid(0) fails afterwards).
    static func becomeUser(uid: UInt32, gid: UInt32) throws(Errno) {
        _ = try check(setgroups(0, nil))
        _ = try check(setgid(gid))
        _ = try check(setuid(uid))
    }

    /// User `name`'s uid and primary gid from the user database (getpwnam), nil when there is none.
    static func account(_ name: String) -> (uid: UInt32, gid: UInt32)? {
        guard let p = getpwnam(name) else { return nil }
        return (p.pointee.pw_uid, p.pointee.pw_gid)
    }

    /// Group `name`'s gid from the group database (getgrnam), nil when there is none.
    static func groupID(_ name: String) -> UInt32? {
        getgrnam(name).map { $0.pointee.gr_gid }
    }

    // MARK: - Reading and writing

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try retrying { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    // MARK: - epoll, eventfd

    static func epollCreate() throws(Errno) -> FileDescriptor { FileDescriptor(try check(epoll_create1(Int32(EPOLL_CLOEXEC)))) }

    static func epollAdd(_ epfd: Int32, _ fd: Int32, events: UInt32) throws(Errno) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        _ = try check(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event))
    }

    static func epollRemove(_ epfd: Int32, _ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event)
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever); returns (descriptor, events) pairs.
    static func epollWait(_ epfd: Int32, _ events: UnsafeMutableBufferPointer<epoll_event>, timeoutMilliseconds: Int32) -> Int {
        let n = epoll_wait(epfd, events.baseAddress, Int32(events.count), timeoutMilliseconds)
        return n < 0 ? 0 : Int(n)  // EINTR: a signal; the loop simply turns again
    }

    static func eventfd() throws(Errno) -> FileDescriptor { FileDescriptor(try check(CSwiftletUnix.eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)))) }

    static func signalEventfd(_ fd: Int32) {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(fd, $0.baseAddress, 8) }
    }

    static func drainEventfd(_ fd: Int32) {
        var value: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &value) { Glibc.read(fd, $0.baseAddress, 8) }
    }

    // MARK: - Clocks and entropy

    static func clock(_ id: clockid_t) -> timespec {
        var t = timespec()
        clock_gettime(id, &t)
        return t
    }

    static func monotonicNow() -> Instant {
        let t = clock(CLOCK_MONOTONIC)
        return Instant(nanoseconds: UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec))
    }

    /// malloc's bytes in use and the bytes it took from the system (for `--report memory`).
    static func heap() -> (inUse: Int, size: Int) {
        var inUse = 0, size = 0
        swiftlet_heap(&inUse, &size)
        return (inUse, size)
    }

    /// User plus system CPU time the process has used, in microseconds.
    static func cpuMicroseconds() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (Int(usage.ru_utime.tv_sec) + Int(usage.ru_stime.tv_sec)) * 1_000_000 + Int(usage.ru_utime.tv_usec) + Int(usage.ru_stime.tv_usec)
    }

    /// The process's resident memory in bytes (/proc/self/statm's second field, in pages); 0 when unreadable.
    static func residentBytes() -> Int {
        let file = FileDescriptor(open("/proc/self/statm", O_RDONLY | O_CLOEXEC))
        guard file.isOpen else { return 0 }
        var buffer = [UInt8](repeating: 0, count: 128)
        guard let n = try? retrying({ buffer.withUnsafeMutableBytes { Glibc.read(file.raw, $0.baseAddress, $0.count) } }) else { return 0 }
        let fields = buffer.prefix(n).split(separator: UInt8(ascii: " "))
        guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Whether the process can make itself root again (after dropping privileges it must not).
    static func canBecomeRoot() -> Bool { setuid(0) == 0 }

    static func wallNow() -> WallTime {
        let t = clock(CLOCK_REALTIME)
        return WallTime(nanosecondsSinceEpoch: Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec))
    }

    static func getrandom(_ buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        let r = swiftlet_getrandom(buffer.baseAddress, buffer.count)
        if r < 0 { throw Errno(-r) }
    }

    // MARK: - Sockets (IPv4 and IPv6)

    /// Whether the host kernel has IPv6 sockets at all (not booted with ipv6.disable=1).
    static let hasIPv6: Bool = {
        FileDescriptor(Glibc.socket(AF_INET6, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)).isOpen
    }()

    /// A socket of `family` (AF_INET or AF_INET6). An AF_INET6 socket is made dual-stack (IPV6_V6ONLY
    /// off): IPv4 peers reach it as IPv4-mapped addresses, which `SocketAddress.endpoint` turns back.
    static func socket(family: Int32, type: Int32) throws(Errno) -> FileDescriptor {
        let fd = FileDescriptor(try check(Glibc.socket(family, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)))
        if family == AF_INET6 { setOption(fd.raw, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 0) }
        return fd
    }

    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    static func setLingerZero(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }

    static func bind(_ fd: Int32, _ a: SocketAddress) throws(Errno) {
        var s = a
        _ = try check(s.withSockaddr { Glibc.bind(fd, $0, $1) })
    }

    static func listen(_ fd: Int32, backlog: Int32) throws(Errno) { _ = try check(Glibc.listen(fd, backlog)) }

    /// Accepts one connection (non-blocking, close-on-exec); `peer` is set to its far end.
    static func accept(_ fd: Int32, peer: inout Endpoint) throws(Errno) -> FileDescriptor {
        var s = SocketAddress()
        let c = FileDescriptor(try retrying { s.withReceivingSockaddr { swiftlet_accept(fd, $0, $1) } })
        peer = s.endpoint
        return c
    }

    /// Starts a connection; throws `.inProgress` while the handshake runs.
    static func connect(_ fd: Int32, _ a: SocketAddress) throws(Errno) {
        var s = a
        _ = try check(s.withSockaddr { Glibc.connect(fd, $0, $1) })
    }

    static func pendingError(_ fd: Int32) -> Errno? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length)
        return value == 0 ? nil : Errno(value)
    }

    static func localEndpoint(_ fd: Int32) -> Endpoint {
        var s = SocketAddress()
        _ = s.withReceivingSockaddr { getsockname(fd, $0, $1) }
        return s.endpoint
    }

    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try retrying { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try retrying { Glibc.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    static func shutdownWrite(_ fd: Int32) { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    static func sendTo(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, _ a: SocketAddress) throws(Errno) -> Int {
        var s = a
        return try retrying {
            s.withSockaddr { Glibc.sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, $1) }
        }
    }

    // MARK: - Tap

    /// Opens tap `name` (created if needed); `actualName` is set to the name the kernel gave it.
    static func openTap(_ name: String, actualName: inout String) throws(Errno) -> FileDescriptor {
        var actual = [CChar](repeating: 0, count: 16)
        let fd = swiftlet_tap_open(name, &actual)
        if fd < 0 { throw Errno(-fd) }
        let length = actual.firstIndex(of: 0) ?? actual.count
        actualName = String(decoding: actual[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return FileDescriptor(fd)
    }

    static func interfaceMAC(_ name: String) throws(Errno) -> MACAddress {
        var mac = [UInt8](repeating: 0, count: 6)
        let r = swiftlet_interface_mac(name, &mac)
        if r < 0 { throw Errno(-r) }
        return MACAddress(mac[0], mac[1], mac[2], mac[3], mac[4], mac[5])
    }

    // MARK: - Files (the directory key-value store)
    //
    // The store resolves keys below a directory descriptor one component at a time with O_NOFOLLOW and
    // AT_SYMLINK_NOFOLLOW, so a symbolic link is never followed below the root, whatever is renamed or
    // replaced between two calls.

    enum FileKind { case regular, directory, other }

    /// Opens the directory at `path` (symbolic links in `path` itself are followed: it names the root).
    static func openDirectory(_ path: String) throws(Errno) -> FileDescriptor {
        FileDescriptor(try retrying { Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) })
    }

    /// Opens the directory `name` in `directory`; ELOOP or ENOTDIR when `name` is a symbolic link.
    static func openDirectory(at directory: Int32, _ name: String) throws(Errno) -> FileDescriptor {
        FileDescriptor(try retrying { Glibc.openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) })
    }

    /// Opens the regular file `name` in `directory` for reading; fails for a symbolic link (ELOOP) and for
    /// anything but a regular file (EINVAL; O_NONBLOCK so a FIFO swapped in cannot block the open).
    static func openRegularFile(at directory: Int32, _ name: String) throws(Errno) -> FileDescriptor {
        let fd = FileDescriptor(try retrying { Glibc.openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) })
        var s = stat()
        guard fstat(fd.raw, &s) == 0, (s.st_mode & S_IFMT) == S_IFREG else { throw Errno(EINVAL) }
        return fd
    }

    /// Kind, size and modification time (nanoseconds) of `name` in `directory`, the link itself when it
    /// is a symbolic link (kind `other`); nil when nothing is there.
    static func fileStatus(at directory: Int32, _ name: String) -> (kind: FileKind, size: Int, modified: Int64)? {
        var s = stat()
        guard fstatat(directory, name, &s, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        let modified = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
        let type = s.st_mode & S_IFMT
        let kind: FileKind = type == S_IFDIR ? .directory : type == S_IFREG ? .regular : .other
        return (kind, Int(s.st_size), modified)
    }

    /// (is a directory, size in bytes), or nil when nothing is at `path` (links followed).
    static func status(_ path: String) -> (directory: Bool, size: Int)? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        return ((s.st_mode & S_IFMT) == S_IFDIR, Int(s.st_size))
    }

    static func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, offset: Int) throws(Errno) -> Int {
        try retrying { Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// The names in the open directory `fd` with their kinds (links themselves, not followed), without
    /// `.` and `..`. Takes `fd` over: it is closed.
    static func listDirectory(_ fd: consuming FileDescriptor) throws(Errno) -> [(name: String, kind: FileKind)] {
        guard let dir = fdopendir(fd.raw) else { throw Errno.current }  // fd closes as it goes
        _ = fd.handOver()  // closedir closes it now
        defer { closedir(dir) }
        var entries: [(name: String, kind: FileKind)] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            guard let s = fileStatus(at: dirfd(dir), name) else { continue }
            entries.append((name, s.kind))
        }
        return entries
    }

    /// Writes all of `bytes` to `fd` (1: standard output, 2: standard error), resuming after a partial write,
    /// EINTR or EAGAIN; gives up silently on any other error (nowhere left to report it).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if swiftlet_errno() == EINTR || swiftlet_errno() == EAGAIN { continue }
                return
            }
            offset += n
        }
    }

    /// `writeAll` of a text's UTF-8 bytes.
    static func writeAll(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Opens (creating with `mode`) a file to append to, closed on exec.
    static func openForAppending(_ path: UnsafePointer<CChar>, mode: mode_t) throws(Errno) -> FileDescriptor {
        FileDescriptor(try retrying { open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode) })
    }
}

/// Datagram slots for recvmmsg(2) and sendmmsg(2): `count` datagrams per system call instead of one (NSD
/// does the same). Each slot holds the largest UDP datagram, so none is ever truncated; the slots are one
/// allocation whose pages are touched only as far as datagrams reach (a DNS message dirties one page of
/// its slot's 64 KB).
/// A socket address of either family, in a sockaddr_in6's room (a sockaddr_in fits in it).
struct SocketAddress {
    var storage = sockaddr_in6()
    var length = socklen_t(MemoryLayout<sockaddr_in6>.size)

    init() {}

    /// `address`:`port` for a socket of `family`: on an AF_INET6 socket an IPv4 address is written
    /// IPv4-mapped (RFC 4291 §2.5.5.2); nil for an IPv6 address on an AF_INET socket.
    init?(_ address: IPAddress, port: UInt16, family: Int32) {
        if family == AF_INET {
            guard case .v4(let a) = address else { return nil }
            var s = sockaddr_in()
            s.sin_family = sa_family_t(AF_INET)
            s.sin_port = port.bigEndian
            s.sin_addr.s_addr = a.rawValue.bigEndian
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: s, as: sockaddr_in.self) }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        } else {
            let a = address.mappedIPv6
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &storage.sin6_addr) { b in for i in 0..<16 { b[i] = a.octet(i) } }
        }
    }

    /// The address as the `Network` API holds it (IPv4-mapped ones as `.v4`).
    var endpoint: Endpoint {
        var s = storage
        if s.sin6_family == sa_family_t(AF_INET) {
            let v4 = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in.self) }
            return Endpoint(address: IPv4Address(rawValue: UInt32(bigEndian: v4.sin_addr.s_addr)), port: UInt16(bigEndian: v4.sin_port))
        }
        let octets = withUnsafeBytes(of: &s.sin6_addr) { Array($0) }
        return Endpoint(address: IPv6Address(octets: octets) ?? .unspecified, port: UInt16(bigEndian: s.sin6_port))
    }

    mutating func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let n = length
        return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, n) } }
    }

    /// For calls that fill the address in (accept, getsockname): the room, and the length they set.
    mutating func withReceivingSockaddr<R>(_ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> R) -> R {
        length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        return withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in withUnsafeMutablePointer(to: &length) { body(sa, $0) } }
        }
    }
}

final class DatagramBatch {
    let count: Int
    let slotSize: Int
    /// Slots filled by `stage`, waiting for `send`.
    private(set) var staged = 0
    /// Whether the slots are set up for receiving (a batch is used for one direction only).
    private var receiving = false
    private let buffers: UnsafeMutableRawPointer
    private let headers: UnsafeMutablePointer<swiftlet_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let addresses: UnsafeMutablePointer<sockaddr_in6>
    /// The socket's family (AF_INET or AF_INET6), for the addresses `stage` writes.
    let family: Int32

    init(count: Int, slotSize: Int, family: Int32) {
        self.count = count
        self.slotSize = slotSize
        self.family = family
        buffers = UnsafeMutableRawPointer.allocate(byteCount: count * slotSize, alignment: 16)
        headers = .allocate(capacity: count)
        vectors = .allocate(capacity: count)
        addresses = .allocate(capacity: count)
        for i in 0..<count {
            vectors[i] = iovec(iov_base: buffers + i * slotSize, iov_len: slotSize)
            addresses[i] = sockaddr_in6()
            headers[i] = swiftlet_mmsghdr()
        }
    }

    deinit {
        buffers.deallocate()
        headers.deallocate()
        vectors.deallocate()
        addresses.deallocate()
    }

    private func prepare(_ i: Int, length: Int) {
        vectors[i].iov_len = length
        headers[i].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + i)
        headers[i].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
        headers[i].msg_hdr.msg_iov = vectors + i
        headers[i].msg_hdr.msg_iovlen = 1
        headers[i].msg_hdr.msg_control = nil
        headers[i].msg_hdr.msg_controllen = 0
        headers[i].msg_hdr.msg_flags = 0
        headers[i].msg_len = 0
    }

    /// Receives up to `count` datagrams that are already queued, without waiting; returns how many
    /// (at least one), or throws `.again` when none is.
    func receive(_ fd: Int32) throws(Errno) -> Int {
        if !receiving {
            for i in 0..<count { prepare(i, length: slotSize) }
            receiving = true
        } else {
            // The kernel changed only these, so only these are reset (the full set-up costs about 400
            // instructions a query).
            for i in 0..<count {
                headers[i].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
                headers[i].msg_hdr.msg_flags = 0
            }
        }
        while true {
            let n = swiftlet_recvmmsg(fd, headers, UInt32(count), Int32(MSG_DONTWAIT))
            if n >= 0 { return Int(n) }
            if Errno(-n) != .interrupted { throw Errno(-n) }
        }
    }

    /// Slot `i` of the last `receive`: the datagram's bytes and sender; nil when it did not fit.
    func datagram(_ i: Int) -> (payload: [UInt8], source: Endpoint)? {
        if headers[i].msg_hdr.msg_flags & Int32(MSG_TRUNC) != 0 { return nil }
        let payload = [UInt8](UnsafeRawBufferPointer(start: buffers + i * slotSize, count: Int(headers[i].msg_len)))
        var source = SocketAddress()
        source.storage = addresses[i]
        return (payload, source.endpoint)
    }

    /// Copies a datagram into the next free slot (the caller keeps `staged < count` and the payload
    /// within `slotSize`); false when the socket's family cannot reach `address` (IPv6 on AF_INET).
    func stage(_ payload: [UInt8], to address: IPAddress, port: UInt16) -> Bool {
        guard let destination = SocketAddress(address, port: port, family: family) else { return false }
        let i = staged
        receiving = false  // its slots' lengths change
        payload.withUnsafeBytes { b in
            if let base = b.baseAddress { (buffers + i * slotSize).copyMemory(from: base, byteCount: b.count) }
        }
        addresses[i] = destination.storage
        prepare(i, length: payload.count)
        headers[i].msg_hdr.msg_namelen = destination.length
        staged += 1
        return true
    }

    /// Sends the staged datagrams in as few calls as the kernel allows and empties the slots. A datagram
    /// the kernel refuses is dropped and the rest still go; when the socket's buffer is full the rest are
    /// dropped (UDP allows both). Returns the first refusal's error, if any, for the caller to report.
    @discardableResult
    func send(_ fd: Int32) -> Errno? {
        var first: Errno?
        var at = 0
        while at < staged {
            let n = swiftlet_sendmmsg(fd, headers + at, UInt32(staged - at), Int32(MSG_NOSIGNAL))
            if n > 0 { at += Int(n); continue }
            let e = Errno(-n)
            if e == .interrupted { continue }
            if first == nil { first = e }
            if e == .again { break }
            at += 1  // this one was refused; the rest still go
        }
        staged = 0
        return first
    }
}
