// The checks a virtio driver makes on the used ring (Virtio 1.2 §2.7.8): ids inside the queue and in
// flight, lengths within the writable part of the chain. SwiftletKVM's Virtqueue stops the kernel on any
// violation; here the pure logic is driven to each case.

import Testing
import SwiftletWire

@Suite struct VirtioUsedTests {
    @Test func validateNamesEachViolation() {
        #expect(VirtioUsedCheck.validate(id: 3, length: 100, queueSize: 8, inFlight: true, writableLength: 2048) == nil)
        #expect(VirtioUsedCheck.validate(id: 8, length: 0, queueSize: 8, inFlight: true, writableLength: 2048)
                == .idOutOfRange(id: 8, queueSize: 8))
        #expect(VirtioUsedCheck.validate(id: 0xFFFF_FFFF, length: 0, queueSize: 256, inFlight: false, writableLength: 0)
                == .idOutOfRange(id: 0xFFFF_FFFF, queueSize: 256))
        #expect(VirtioUsedCheck.validate(id: 2, length: 0, queueSize: 8, inFlight: false, writableLength: 0)
                == .notInFlight(id: 2))
        #expect(VirtioUsedCheck.validate(id: 2, length: 2049, queueSize: 8, inFlight: true, writableLength: 2048)
                == .lengthTooLarge(id: 2, length: 2049, writable: 2048))
        #expect(VirtioUsedCheck.validate(id: 2, length: 2048, queueSize: 8, inFlight: true, writableLength: 2048) == nil)
    }

    @Test func inFlightCatchesDoubleAndUnofferedCompletions() throws {
        var q = VirtioInFlight(queueSize: 4)
        q.offer(1, writableLength: 2048)
        q.offer(2, writableLength: 0)   // a transmit buffer: the device writes nothing
        #expect(q.count == 2)
        let done = try q.complete(id: 1, length: 60)
        #expect(done.head == 1 && done.length == 60)
        #expect(throws: VirtioUsedViolation.notInFlight(id: 1)) { try q.complete(id: 1, length: 60) }   // twice
        #expect(throws: VirtioUsedViolation.notInFlight(id: 3)) { try q.complete(id: 3, length: 0) }    // never offered
        #expect(throws: VirtioUsedViolation.idOutOfRange(id: 4, queueSize: 4)) { try q.complete(id: 4, length: 0) }
        #expect(throws: VirtioUsedViolation.lengthTooLarge(id: 2, length: 1, writable: 0)) { try q.complete(id: 2, length: 1) }
        // A rejected element changes nothing: the chain is still in flight and completes properly.
        #expect(q.count == 1)
        #expect(try q.complete(id: 2, length: 0).head == 2)
        #expect(q.count == 0)
        // Offered again after completion: fine.
        q.offer(1, writableLength: 17)
        #expect(try q.complete(id: 1, length: 17).length == 17)
    }

    @Test func violationsNameTheBadValue() {
        #expect(VirtioUsedViolation.idOutOfRange(id: 300, queueSize: 256).description.contains("300"))
        #expect(VirtioUsedViolation.notInFlight(id: 7).description.contains("7"))
        #expect(VirtioUsedViolation.lengthTooLarge(id: 1, length: 9000, writable: 2048).description.contains("9000"))
    }
}
