// SwiftletNet: SACK-based loss recovery, RFC 6675 §4-§5: the pipe estimate (SetPipe), which bytes count
// as lost (IsLost), and the order in which recovery sends (NextSeg rules 1-3), all from the scoreboard.
//
// Recovery starts (TCPConnection+Receive.swift) when three duplicate ACKs, or SACKs of more than two
// segments above the first hole, arrive with SACK in use: cwnd becomes ssthresh, the first hole goes out at
// once (§5 step 4.3), and from then on every call to `output` sends while cwnd - pipe >= 1 SMSS: lost holes
// first, then new data, then holes not yet deemed lost. The window is never inflated (that is NewReno's
// way, still used when the peer does not do SACK). Recovery ends when the cumulative ACK passes the
// recovery point. Rule 4 (the rescue retransmission) is left to the tail loss probe (RFC 8985 §7).

import Swiftlet
import SwiftletWire

extension TCPConnection {
    /// RFC 6675 §4 IsLost for every unSACKed byte at once: a byte is lost when more than
    /// (DupThresh - 1)·SMSS bytes above it are SACKed, or DupThresh separate blocks. What is SACKed above a
    /// byte only shrinks as the byte rises, so the lost bytes are exactly the unSACKed ones below the point
    /// returned (SND.UNA when none is lost). Blocks are counted merged, so the block rule errs on the side
    /// of "not lost".
    var lossBoundary: TCPSequenceNumber {
        var bytes = 0, blocks = 0
        for block in scoreboard.reversed() {
            bytes += block.right - block.left
            blocks += 1
            if bytes > (duplicateThreshold - 1) * sendMSS || blocks >= duplicateThreshold { return block.left }
        }
        return sndUna
    }

    /// RFC 6675 §4 SetPipe: the bytes still in the network. Each unSACKed byte between SND.UNA and SND.MAX
    /// counts once unless it is deemed lost, and once more if it was retransmitted in this recovery (it is
    /// below HighRxt).
    func pipeEstimate() -> Int {
        let lost = lossBoundary
        var pipe = 0
        var holeStart = sndUna
        for i in 0...scoreboard.count {
            let holeEnd = i < scoreboard.count ? scoreboard[i].left : sndMax
            if holeStart < holeEnd {
                pipe += max(0, holeEnd - TCPSequenceNumber.max(holeStart, lost))
                pipe += max(0, TCPSequenceNumber.min(holeEnd, highRetransmitted) - holeStart)
            }
            if i < scoreboard.count, scoreboard[i].right > holeStart { holeStart = scoreboard[i].right }
        }
        return pipe
    }

    /// The first unSACKed byte at or above HighRxt (and SND.UNA), or nil when there is none below SND.MAX.
    var firstUnretransmittedHole: TCPSequenceNumber? {
        var start = TCPSequenceNumber.max(sndUna, highRetransmitted)
        for block in scoreboard where block.left <= start && start < block.right {
            start = block.right
        }
        return start < sndMax ? start : nil
    }

    /// NextSeg rule 1 (lost holes) or rule 3 (holes below the highest SACKed byte not yet deemed lost),
    /// each segment only while cwnd - pipe allows one more. Returns whether it sent anything.
    mutating func retransmitHoles(lostOnly: Bool, pipe: inout Int, now: Instant) -> Bool {
        var sent = false
        while congestion.window - pipe >= sendMSS, let start = firstUnretransmittedHole {
            let limit = lostOnly ? lossBoundary : (scoreboard.last?.right ?? sndUna)
            guard start < limit, let end = retransmitSegment(at: start, now: now) else { break }
            // A lost byte was not in the pipe and now is; a byte not deemed lost now counts twice.
            pipe += end - start
            sent = true
        }
        return sent
    }
}
