// Swiftlet: the console protocol (stdout on hosted targets, COM1 serial on kvm, a buffer in tests).

public protocol Console: AnyObject, Sendable {
    /// Writes raw bytes.
    func write(bytes: Span<UInt8>)
}

extension Console {
    /// Writes `text` as UTF-8.
    public func write(_ text: String) {
        var copy = text
        copy.withUTF8 { buffer in
            write(bytes: buffer.span)
        }
    }

    /// Writes `text` followed by a newline.
    public func log(_ text: String) {
        write(text + "\n")
    }
}
