// SwiftletDNS: one authoritative zone and the answer to a question from it (RFC 1034 §4.3.2's algorithm,
// with wildcards as RFC 4592 defines them and negative answers as RFC 2308 does).
//
// Sans-I/O: `answer(_:)` turns a question into sections and an RCODE; the server puts them in a message.
// Names compare case-insensitively (DNSName). Empty non-terminals (names with descendants but no records
// of their own) exist: they get NODATA, not NXDOMAIN.
//
// Redirections: a CNAME is followed inside the zone, and the RCODE is that of the last name in the chain
// (RFC 6604 §2: a chain ending at a name the zone does not have is NXDOMAIN). A DNAME (RFC 6672) above the
// name asked for is answered with itself and a CNAME synthesised from it (TTL the DNAME's), which is then
// followed like any other; a result longer than 255 octets is YXDOMAIN (§2.2). On the way down from the
// apex the highest delegation or DNAME met decides. A DS question for a delegation point is the parent's to
// answer (RFC 4035 §3.1.4.1): it gets the DS RRset (or NODATA) authoritatively, not a referral.

import Swiftlet
import SwiftletWire

public struct DNSAnswer: Equatable, Sendable {
    public var rcode: DNSRCode
    public var authoritative: Bool
    public var answer: [DNSRecord] = []
    public var authority: [DNSRecord] = []
    public var additional: [DNSRecord] = []
}

public struct ZoneLoadError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

public struct Zone: Sendable {
    public let apex: DNSName
    public let soa: DNSRecord
    /// Every record, as loaded (what a transfer sends).
    public let records: [DNSRecord]
    private var nodes: [DNSName: [DNSRecord]] = [:]
    /// Every name that exists: owners and their ancestors up to the apex (empty non-terminals).
    private var existing: Set<DNSName> = []
    /// Delegation points below the apex (names with NS records).
    private var cuts: Set<DNSName> = []
    /// Owners of DNAME records, and their targets (RFC 6672).
    private var dnames: [DNSName: DNSName] = [:]
    /// RRSIGs and the NSEC or NSEC3 chain of a signed zone (empty when unsigned).
    private var dnssec = DNSSECIndex()

    /// CNAMEs followed within the zone before giving up (a loop).
    public static let maximumChain = 8

    public init(records: [DNSRecord]) throws(ZoneLoadError) {
        let soas = records.filter { $0.type == .soa }
        guard soas.count == 1 else { throw ZoneLoadError("a zone has exactly one SOA record (found " + String(soas.count) + ")") }
        soa = soas[0]
        apex = soa.name
        self.records = records
        for r in records {
            guard r.name.isSubdomain(of: apex) else { throw ZoneLoadError(r.name.description + " is outside the zone " + apex.description) }
            // NSEC3 records live in the DNSSEC index only: their owners are hashes, not names of the zone,
            // and a name with nothing else does not exist (RFC 5155 §7.2.8; NSD answers so too).
            if r.type == DNSType.nsec3 { continue }
            nodes[r.name, default: []].append(r)
            var n = r.name
            while true {
                existing.insert(n)
                if n == apex { break }
                n = n.parent
            }
            if r.type == .ns && r.name != apex { cuts.insert(r.name) }
            if r.type == .dname {
                guard let target = Self.dnameTarget(r) else { throw ZoneLoadError(r.name.description + ": a DNAME's data is not one domain name") }
                guard dnames[r.name] == nil else { throw ZoneLoadError(r.name.description + " has more than one DNAME (RFC 6672 §2.4)") }
                dnames[r.name] = target
            }
        }
        for (owner, _) in dnames where nodes[owner]?.contains(where: { $0.type == .cname }) == true {
            throw ZoneLoadError(owner.description + " has a DNAME and a CNAME (RFC 6672 §2.4)")
        }
        for (name, rs) in nodes where rs.contains(where: { $0.type == .cname }) {
            // DNSSEC's RRSIG and NSEC may sit beside a CNAME (RFC 4035 §2.5).
            let data = rs.filter { $0.type != DNSType.rrsig && $0.type != DNSType.nsec }
            guard data.count == 1 else {
                throw ZoneLoadError(name.description + " has a CNAME and other data (RFC 1034 §3.6.2)")
            }
        }
        guard nodes[apex]?.contains(where: { $0.type == .ns }) == true else {
            throw ZoneLoadError("the apex " + apex.description + " has no NS record")
        }
        dnssec = try DNSSECIndex(records: records, apex: apex)
    }

    /// The SOA for negative answers, its TTL capped by the SOA minimum (RFC 2308 §3).
    private var negativeSOA: DNSRecord {
        var r = soa
        if case .soa(let s) = soa.data { r.ttl = min(soa.ttl, s.minimum) }
        return r
    }

    /// The answer to `question`; with `dnssecOK` (the query's DO bit) a signed zone adds its RRSIGs and
    /// denial proofs (Signed.swift).
    public func answer(_ question: DNSQuestion, dnssecOK: Bool = false) -> DNSAnswer {
        guard question.class == .internet || question.class == .any else { return DNSAnswer(rcode: .refused, authoritative: false) }
        guard question.name.isSubdomain(of: apex) else { return DNSAnswer(rcode: .refused, authoritative: false) }
        let signed = dnssecOK && dnssec.isSigned
        var result = DNSAnswer(rcode: .noError, authoritative: true)
        var name = question.name
        var seen: [DNSName] = []  // CNAME owners followed (at most maximumChain): a list, no hashing
        while true {
            // A delegation on the way down from the apex: a referral, not an answer; unless it is the
            // delegation point itself asked for its DS, which is the parent's data (RFC 4035 §3.1.4.1).
            var cut = delegation(above: name)
            if cut == name && question.type == .ds { cut = nil }
            // A DNAME higher up than the delegation (or with none) redirects the whole subtree below it.
            if let redirect = dname(above: name), cut == nil || redirect.owner.labelCount < cut!.labelCount,
               let record = nodes[redirect.owner]?.first(where: { $0.type == .dname }) {
                result.answer.append(record)
                if signed { result.answer += dnssec.signatures(redirect.owner, .dname) }
                let labels = name.labels
                let kept = Array(labels[0..<(labels.count - redirect.owner.labelCount)])
                guard let synthesised = try? DNSName(labels: kept + redirect.target.labels) else {
                    result.rcode = .nameExists
                    return result
                }
                result.answer.append(DNSRecord(name: name, ttl: record.ttl, data: .cname(synthesised)))
                seen.append(name)
                guard synthesised.isSubdomain(of: apex), !seen.contains(synthesised), seen.count < Self.maximumChain else { return result }
                name = synthesised
                continue
            }
            if let cut {
                if result.answer.isEmpty {
                    result.authoritative = false
                    result.authority = nodes[cut]!.filter { $0.type == .ns }
                    if signed {
                        result.authority += dnssec.delegationProof(cut, ds: nodes[cut]!.filter { $0.type == .ds }, apex: apex)
                    }
                    result.additional = glue(for: result.authority)
                }
                return result
            }
            let records: [DNSRecord]
            var wildcardOwner: DNSName? = nil
            if let own = nodes[name] {
                records = own
            } else if existing.contains(name) {
                records = []  // an empty non-terminal
            } else if let wild = wildcard(for: name) {
                wildcardOwner = wild.owner
                records = wild.records.map { var r = $0; r.name = name; return r }
            } else {
                // RFC 6604 §2: the RCODE is the last name's, after a CNAME too.
                result.rcode = .nameError
                result.authority = [negativeSOA]
                if signed {
                    result.authority += dnssec.signatures(apex, .soa)
                    result.authority += dnssec.nameErrorProof(name, encloser: closestEncloser(of: name), apex: apex)
                }
                return result
            }
            /// The RRSIGs of `owner`'s RRset of `type` as this answer uses it (renamed for a wildcard).
            func signatures(_ type: DNSType) -> [DNSRecord] {
                guard signed else { return [] }
                return dnssec.signatures(wildcardOwner ?? name, type, as: wildcardOwner == nil ? nil : name)
            }
            // QTYPE ANY matches a CNAME too: the CNAME is the answer, not followed (RFC 1034 §4.3.2 step 3a).
            // QTYPE NSEC3 matches nothing (no name owns NSEC3 records, above): NODATA, as NSD answers it.
            if question.type != .cname, question.type != .any, question.type != DNSType.nsec3, let cname = records.first(where: { $0.type == .cname }), case .cname(let target) = cname.data {
                result.answer.append(cname)
                result.answer += signatures(.cname)
                if signed, let wildcardOwner { result.authority += dnssec.wildcardAnswerProof(name, wildcard: wildcardOwner) }
                seen.append(name)
                // Follow the chain inside the zone; outside it the resolver takes over.
                guard target.isSubdomain(of: apex), !seen.contains(target), seen.count < Self.maximumChain else { return result }
                name = target
                continue
            }
            // ANY gets one RRset (RFC 8482 §4.1: a full ANY answer is an amplifier and no client needs it),
            // chosen as NSD chooses (`anyType`).
            let wanted = question.type == .any ? Self.anyType(records, signed: signed) : question.type
            let matching = records.filter { $0.type == wanted }
            if matching.isEmpty {
                result.authority = [negativeSOA]  // NODATA
                if signed {
                    result.authority += dnssec.signatures(apex, .soa)
                    result.authority += dnssec.noDataProof(name, wildcard: wildcardOwner, apex: apex)
                }
            } else {
                result.answer += matching
                if let wanted, wanted != DNSType.rrsig { result.answer += signatures(wanted) }
                if signed, let wildcardOwner { result.authority += dnssec.wildcardAnswerProof(name, wildcard: wildcardOwner) }
                result.additional = glue(for: matching)  // addresses for NS, MX and SRV targets
            }
            return result
        }
    }

    /// The RRset an ANY question gets, as NSD picks it, by RRsets in the order the zone lists them: the
    /// first A, AAAA, SOA, MX or PTR; else the last of any other type but DNSKEY, RRSIG and NSEC; else
    /// the last of those. When `signed` answers carry signatures anyway, so RRSIG is not a candidate.
    static func anyType(_ records: [DNSRecord], signed: Bool) -> DNSType? {
        var seen: [DNSType] = []
        var normal: DNSType? = nil, unpreferred: DNSType? = nil
        for r in records where !seen.contains(r.type) && !(signed && r.type == DNSType.rrsig) {
            seen.append(r.type)
            switch r.type {
            case .a, .aaaa, .soa, .mx, .ptr: return r.type
            case DNSType.dnskey, DNSType.rrsig, DNSType.nsec: unpreferred = r.type
            default: normal = r.type
            }
        }
        return normal ?? unpreferred
    }

    /// The closest ancestor of `name` (a name the zone does not have) that exists.
    private func closestEncloser(of name: DNSName) -> DNSName {
        var encloser = name.parent
        while !existing.contains(encloser) && encloser != apex && !encloser.isRoot { encloser = encloser.parent }
        return encloser
    }

    /// The highest delegation point strictly below the apex on the way to `name` (at `name` itself too,
    /// unless the question is for the apex).
    private func delegation(above name: DNSName) -> DNSName? {
        guard !cuts.isEmpty, name != apex else { return nil }
        // Few cuts (the usual zone): test each, no names built. Many (a TLD-like zone): walk up from `name`.
        if cuts.count <= 16 {
            var best: DNSName? = nil
            for cut in cuts where name.isSubdomain(of: cut) && (best == nil || cut.labelCount < best!.labelCount) { best = cut }
            return best
        }
        var chain: [DNSName] = []
        var n = name
        while n != apex {
            chain.append(n)
            n = n.parent
        }
        for candidate in chain.reversed() where cuts.contains(candidate) { return candidate }
        return nil
    }

    /// The highest DNAME owner strictly above `name` (RFC 6672 §2.3: the DNAME's own name is not
    /// redirected), with its target.
    private func dname(above name: DNSName) -> (owner: DNSName, target: DNSName)? {
        guard !dnames.isEmpty, name != apex else { return nil }
        var best: (owner: DNSName, target: DNSName)? = nil
        if dnames.count <= 16 {
            for (owner, target) in dnames where owner != name && name.isSubdomain(of: owner) {
                if best == nil || owner.labelCount < best!.owner.labelCount { best = (owner, target) }
            }
            return best
        }
        var n = name.parent
        while true {
            if let target = dnames[n] { best = (n, target) }
            if n == apex || n.isRoot { break }
            n = n.parent
        }
        return best
    }

    /// A DNAME record's target: its RDATA must be exactly one uncompressed name.
    static func dnameTarget(_ record: DNSRecord) -> DNSName? {
        guard case .unknown(_, let bytes) = record.data else { return nil }
        return DNSName(wholeWire: bytes)
    }

    /// RFC 4592: the owner and records of `*.<closest encloser>` when the closest existing ancestor has a
    /// wildcard.
    private func wildcard(for name: DNSName) -> (owner: DNSName, records: [DNSRecord])? {
        guard let star = try? closestEncloser(of: name).prepending(Array("*".utf8)), let records = nodes[star] else { return nil }
        return (star, records)
    }

    /// Addresses in the zone for the names the records point at (NS targets, MX exchanges, SRV targets).
    private func glue(for records: [DNSRecord]) -> [DNSRecord] {
        var out: [DNSRecord] = []
        for r in records {
            let target: DNSName
            switch r.data {
            case .ns(let n), .mx(_, let n), .srv(_, _, _, let n): target = n
            default: continue
            }
            guard target.isSubdomain(of: apex), let rs = nodes[target] else { continue }
            for a in rs where (a.type == .a || a.type == .aaaa) && !out.contains(a) { out.append(a) }
        }
        return out
    }
}
