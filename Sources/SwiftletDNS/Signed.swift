// SwiftletDNS: what a pre-signed zone adds to an answer when the query sets DO (RFC 4035 §3.1): the RRSIGs
// of every RRset given, and the NSEC (RFC 4035 §3.1.3) or NSEC3 (RFC 5155 §7.2) records that prove a name
// or a type absent, a wildcard used, or a delegation unsigned. The zone is signed beforehand (ldns-signzone,
// dnssec-signzone); this server never signs.
//
// The index is built once when the zone loads: RRSIGs by owner and the type they cover; for NSEC the owners
// in canonical order (RFC 4034 §6.1), so the record covering a name is the one before it; for NSEC3 the
// hashed owner labels in order (base32hex sorts as the hashes do), so covering is the same search, with
// wrap-around at the end of the chain. Proofs take at most three records (and their RRSIGs), and an NSEC3
// proof hashes at most three names: the closest encloser is found among the names the zone has, not by
// hashing every ancestor. The RDATA of these types is read from its uncompressed wire form.

import Swiftlet
import SwiftletWire

struct DNSSECIndex: Sendable {
    /// RRSIGs by owner, each with the type it covers.
    var byOwner: [DNSName: [(covered: DNSType, record: DNSRecord)]] = [:]
    /// NSEC owners in canonical order.
    var nsecOwners: [DNSName] = []
    var nsecByOwner: [DNSName: DNSRecord] = [:]
    /// NSEC3: the hash parameters and the records by hashed label, in order.
    var nsec3Salt: [UInt8] = []
    var nsec3Iterations = 0
    var nsec3: [(label: [UInt8], record: DNSRecord)] = []

    /// Whether the zone is signed: its apex has an RRSIG over the DNSKEY RRset, NSD's test. RRSIGs elsewhere
    /// alone (a zone holding them as data) do not make answers to DO queries carry signatures and proofs.
    private(set) var isSigned = false
    var usesNSEC3: Bool { !nsec3.isEmpty }

    init() {}

    init(records: [DNSRecord], apex: DNSName) throws(ZoneLoadError) {
        // A zone may hold more than one NSEC3 chain (while its salt or iterations change, RFC 5155 §10.4):
        // the chain answers use is the first NSEC3PARAM at the apex that has NSEC3 records (RFC 5155 §4,
        // as NSD chooses), or without one the chain all the NSEC3 records share. Records of another chain
        // stay in the zone as data, outside the proofs.
        var nsec3Records: [(record: DNSRecord, salt: [UInt8], iterations: Int)] = []
        var apexParams: [(salt: [UInt8], iterations: Int)] = []
        for r in records {
            guard case .unknown(let type, let bytes) = r.data else { continue }
            switch type {
            case DNSType.rrsig:
                guard bytes.count >= 18 else { throw ZoneLoadError(r.name.description + ": an RRSIG shorter than 18 octets") }
                byOwner[r.name, default: []].append((DNSType(rawValue: UInt16(bytes[0]) << 8 | UInt16(bytes[1])), r))
            case DNSType.nsec:
                guard nsecByOwner[r.name] == nil else { throw ZoneLoadError(r.name.description + " has more than one NSEC") }
                nsecByOwner[r.name] = r
            case DNSType.nsec3:
                guard let p = Self.nsec3Parameters(bytes) else { throw ZoneLoadError(r.name.description + ": a malformed NSEC3") }
                nsec3Records.append((r, p.salt, p.iterations))
            case DNSType.nsec3param where r.name == apex:
                guard let p = Self.nsec3Parameters(bytes, param: true) else { throw ZoneLoadError(r.name.description + ": a malformed NSEC3PARAM") }
                apexParams.append(p)
            default: continue
            }
        }
        nsecOwners = nsecByOwner.keys.sorted(by: Self.canonicallyBefore)
        isSigned = byOwner[apex]?.contains { $0.covered == DNSType.dnskey } ?? false
        var params: (salt: [UInt8], iterations: Int)? = nil
        if apexParams.isEmpty {
            if let first = nsec3Records.first,
               nsec3Records.allSatisfy({ $0.salt == first.salt && $0.iterations == first.iterations }) {
                params = (first.salt, first.iterations)
            }
        } else {
            params = apexParams.first { p in nsec3Records.contains { $0.salt == p.salt && $0.iterations == p.iterations } }
        }
        guard let p = params else { return }
        guard p.iterations <= NSEC3Hash.maximumIterations else {
            throw ZoneLoadError("NSEC3 with " + String(p.iterations) + " iterations (at most " + String(NSEC3Hash.maximumIterations) + ", RFC 9276)")
        }
        nsec3Salt = p.salt
        nsec3Iterations = p.iterations
        for (r, salt, iterations) in nsec3Records where salt == p.salt && iterations == p.iterations {
            guard let first = r.name.labels.first, r.name.parent == apex else {
                throw ZoneLoadError(r.name.description + ": an NSEC3 owner must be one hashed label under the apex")
            }
            nsec3.append((first.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, r))
        }
        nsec3.sort { Self.bytesBefore($0.label, $1.label) }
    }

    /// Salt and iterations of an NSEC3 (or NSEC3PARAM) RDATA: algorithm 1 (SHA-1), flags, iterations, salt.
    static func nsec3Parameters(_ b: [UInt8], param: Bool = false) -> (salt: [UInt8], iterations: Int)? {
        guard b.count >= 5, b[0] == 1 else { return nil }
        let saltLength = Int(b[4])
        guard b.count >= 5 + saltLength + (param ? 0 : 1) else { return nil }
        return (Array(b[5..<(5 + saltLength)]), Int(b[2]) << 8 | Int(b[3]))
    }

    // MARK: order

    static func bytesBefore(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        for i in 0..<min(a.count, b.count) where a[i] != b[i] { return a[i] < b[i] }
        return a.count < b.count
    }

    /// RFC 4034 §6.1: labels compared from the root down, each as lowercase octets; a name sorts before
    /// the names below it.
    static func canonicallyBefore(_ a: DNSName, _ b: DNSName) -> Bool {
        let x = a.canonicalWire, y = b.canonicalWire
        let xs = labelStarts(x), ys = labelStarts(y)
        var i = xs.count - 1, j = ys.count - 1
        while i >= 0 && j >= 0 {
            let la = Array(x[(xs[i] + 1)..<(xs[i] + 1 + Int(x[xs[i]]))])
            let lb = Array(y[(ys[j] + 1)..<(ys[j] + 1 + Int(y[ys[j]]))])
            if la != lb { return bytesBefore(la, lb) }
            i -= 1; j -= 1
        }
        return i < j
    }

    private static func labelStarts(_ w: [UInt8]) -> [Int] {
        var starts: [Int] = []
        var i = 0
        while i < w.count && w[i] != 0 { starts.append(i); i += 1 + Int(w[i]) }
        return starts
    }

    // MARK: what answers get

    /// The RRSIGs over `owner`'s RRset of `type`, renamed to `name` (a wildcard's, RFC 4035 §3.1.3.3).
    func signatures(_ owner: DNSName, _ type: DNSType, as name: DNSName? = nil) -> [DNSRecord] {
        guard let sigs = byOwner[owner] else { return [] }
        var out: [DNSRecord] = []
        for s in sigs where s.covered == type {
            var r = s.record
            if let name { r.name = name }
            out.append(r)
        }
        return out
    }

    /// The RRSIGs of each RRset in `records` (in order of first appearance).
    func signatures(of records: [DNSRecord]) -> [DNSRecord] {
        var out: [DNSRecord] = []
        var done: [(DNSName, DNSType)] = []
        for r in records where r.type != DNSType.rrsig && !done.contains(where: { $0.0 == r.name && $0.1 == r.type }) {
            done.append((r.name, r.type))
            out += signatures(r.name, r.type)
        }
        return out
    }

    /// An NSEC or NSEC3 record with its RRSIGs, once.
    private func add(_ r: DNSRecord?, to out: inout [DNSRecord]) {
        guard let r, !out.contains(r) else { return }
        out.append(r)
        out += signatures(r.name, r.type)
    }

    /// The NSEC whose owner comes last before `name` (it covers `name`, which has none of its own).
    private func nsecCovering(_ name: DNSName) -> DNSRecord? {
        var low = 0, high = nsecOwners.count
        while low < high {
            let mid = (low + high) / 2
            if Self.canonicallyBefore(nsecOwners[mid], name) { low = mid + 1 } else { high = mid }
        }
        return low > 0 ? nsecByOwner[nsecOwners[low - 1]] : nsecOwners.last.flatMap { nsecByOwner[$0] }
    }

    /// The NSEC3 matching `name`'s hash, or the one covering it (the last before it, wrapping around).
    private func nsec3For(_ name: DNSName) -> (record: DNSRecord, matches: Bool)? {
        guard !nsec3.isEmpty else { return nil }
        let h = NSEC3Hash.label(of: name, salt: nsec3Salt, iterations: nsec3Iterations)
        var low = 0, high = nsec3.count
        while low < high {
            let mid = (low + high) / 2
            if Self.bytesBefore(nsec3[mid].label, h) { low = mid + 1 } else { high = mid }
        }
        if low < nsec3.count && nsec3[low].label == h { return (nsec3[low].record, true) }
        return (nsec3[low > 0 ? low - 1 : nsec3.count - 1].record, false)
    }

    /// NSEC3's closest (provable) encloser proof for `name` (RFC 5155 §7.2.1): the NSEC3 matching the
    /// closest ancestor that has one (`encloser`, a name the zone has, or found by walking up) and the one
    /// covering the next closer name. Returns the encloser.
    @discardableResult
    private func closestEncloserProof(_ name: DNSName, from encloser: DNSName, apex: DNSName, into out: inout [DNSRecord]) -> DNSName {
        var ce = encloser
        var nextCloser = name
        while true {
            if let m = nsec3For(ce), m.matches {
                add(m.record, to: &out)
                break
            }
            if ce == apex || ce.isRoot { break }
            ce = ce.parent
        }
        // The next closer name: `name` cut to one label below the encloser.
        while nextCloser.labelCount > ce.labelCount + 1 { nextCloser = nextCloser.parent }
        if nextCloser != ce, let c = nsec3For(nextCloser), !c.matches { add(c.record, to: &out) }
        return ce
    }

    /// NXDOMAIN for `name`, whose closest existing ancestor is `encloser`: the name does not exist and no
    /// wildcard could have made it (RFC 4035 §3.1.3.2, RFC 5155 §7.2.2).
    func nameErrorProof(_ name: DNSName, encloser: DNSName, apex: DNSName) -> [DNSRecord] {
        var out: [DNSRecord] = []
        let wildcard = try? encloser.prepending([UInt8(ascii: "*")])
        if usesNSEC3 {
            let ce = closestEncloserProof(name, from: encloser, apex: apex, into: &out)
            if let star = try? ce.prepending([UInt8(ascii: "*")]), let w = nsec3For(star), !w.matches { add(w.record, to: &out) }
        } else if !nsecOwners.isEmpty {
            add(nsecCovering(name), to: &out)
            if let wildcard { add(nsecCovering(wildcard), to: &out) }
        }
        return out
    }

    /// NODATA for `name` (RFC 4035 §3.1.3.1, RFC 5155 §7.2.3/§7.2.4): its own NSEC or NSEC3 shows the type
    /// absent; an empty non-terminal without an NSEC is covered by the one before it. `wildcard` is the
    /// wildcard owner that matched, if one did (RFC 4035 §3.1.3.4, RFC 5155 §7.2.5).
    func noDataProof(_ name: DNSName, wildcard: DNSName?, apex: DNSName) -> [DNSRecord] {
        var out: [DNSRecord] = []
        if usesNSEC3 {
            if let wildcard {
                closestEncloserProof(name, from: wildcard.parent, apex: apex, into: &out)
                if let w = nsec3For(wildcard), w.matches { add(w.record, to: &out) }
            } else if let m = nsec3For(name), m.matches {
                add(m.record, to: &out)
            } else {
                // No NSEC3 of its own (an opt-out span): the closest provable encloser proof (§7.2.4).
                closestEncloserProof(name, from: name.parent, apex: apex, into: &out)
            }
        } else if !nsecOwners.isEmpty {
            if let wildcard {
                add(nsecCovering(name), to: &out)
                add(nsecByOwner[wildcard], to: &out)
            } else {
                add(nsecByOwner[name] ?? nsecCovering(name), to: &out)
            }
        }
        return out
    }

    /// A positive answer made from a wildcard: proof that `name` itself does not exist (RFC 4035
    /// §3.1.3.3, RFC 5155 §7.2.6: the NSEC3 covering the next closer name).
    func wildcardAnswerProof(_ name: DNSName, wildcard: DNSName) -> [DNSRecord] {
        var out: [DNSRecord] = []
        if usesNSEC3 {
            var nextCloser = name
            while nextCloser.labelCount > wildcard.labelCount { nextCloser = nextCloser.parent }
            if let c = nsec3For(nextCloser), !c.matches { add(c.record, to: &out) }
        } else if !nsecOwners.isEmpty {
            add(nsecCovering(name), to: &out)
        }
        return out
    }

    /// A referral: the DS RRset and its RRSIGs, or the proof that the delegation has none (RFC 4035
    /// §3.1.4, RFC 5155 §7.2.7: the NSEC3 matching the cut, else the opt-out proof).
    func delegationProof(_ cut: DNSName, ds: [DNSRecord], apex: DNSName) -> [DNSRecord] {
        if !ds.isEmpty { return ds + signatures(cut, DNSType.ds) }
        var out: [DNSRecord] = []
        if usesNSEC3 {
            if let m = nsec3For(cut), m.matches { add(m.record, to: &out) } else {
                closestEncloserProof(cut, from: cut.parent, apex: apex, into: &out)
            }
        } else {
            add(nsecByOwner[cut], to: &out)
        }
        return out
    }
}
