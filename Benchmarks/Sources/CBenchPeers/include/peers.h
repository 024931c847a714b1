// Peers measured in the same benchmark run as Swiftlet's code. Written for this project.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// The classic Internet checksum loop (RFC 1071 §4.1 style, 16-bit big-endian words, 32-bit accumulator
/// folded periodically), compiled by clang -O2: what a straightforward C stack does.
uint16_t peer_checksum_rfc1071(const uint8_t *data, size_t length);

/// A hand-written C parse of Ethernet + IPv4 + TCP with options, validating lengths and both checksums:
/// what a careful C stack does per received frame. Returns 0 on success.
int peer_parse_tcp_frame(const uint8_t *frame, size_t length, uint32_t *sequence, uint16_t *mss);

/// The time-stamp counter, serialised (lfence before and after) so that the timed code cannot move across
/// it: the clock of the constant-time checks (swiftlet-bench crypto-timing).
uint64_t peer_cycles(void);
