// An application's typed arguments (Swiftlet/ApplicationArguments.swift): what the generated
// `ENTRY.Arguments` reads its command line with. The integration test `hosted.sh manifest` checks the
// generated struct end to end; these check the parser's cases one by one.

import Testing
import Swiftlet

@Suite struct ApplicationArgumentsTests {
    static let declared = [
        DeclaredArgument("name", .string, default: "x", help: "A name."),
        DeclaredArgument("count", .int, default: "1", help: "A count."),
        DeclaredArgument("port", .port, default: nil, help: "A port."),
        DeclaredArgument("peer", .ipv4, default: nil, help: "An address."),
        DeclaredArgument("loud", .flag, default: nil, help: "A switch."),
    ]

    func parse(_ words: [String]) throws(UsageError) -> ArgumentValues {
        try ArgumentValues(parsing: words, declared: Self.declared)
    }

    func failure(_ words: [String]) -> UsageError? {
        do { _ = try parse(words); return nil } catch { return error }
    }

    @Test func readsEveryKindInBothSpellings() throws {
        let v = try parse(["--name", "a b", "--count=-7", "--port", "65535", "--peer=10.1.2.3", "--loud"])
        #expect(v.string("name") == "a b")
        #expect(v.int("count") == -7)
        #expect(v.port("port") == 65535)
        #expect(v.ipv4("peer") == IPv4Address(10, 1, 2, 3))
        #expect(v.flag("loud"))
        // A value may itself start with "--" when it follows its name, and may hold "=".
        let w = try parse(["--name", "--odd", "--count", "3"])
        #expect(w.string("name") == "--odd")
        #expect(try parse(["--name=a=b"]).string("name") == "a=b")
    }

    @Test func absentArgumentsAreNil() throws {
        let v = try parse([])
        #expect(v.string("name") == nil && v.int("count") == nil && v.port("port") == nil && v.ipv4("peer") == nil)
        #expect(!v.flag("loud"))
    }

    @Test func badInputIsOneLineNamingTheArgument() {
        let cases: [([String], String)] = [
            (["--count", "x"], "--count 'x' is not a whole number"),
            (["--count", "99999999999999999999"], "--count '99999999999999999999' is not a whole number"),
            (["--port", "65536"], "--port '65536' is not a port (0-65535)"),
            (["--port", "-1"], "--port '-1' is not a port (0-65535)"),
            (["--peer", "10.0.0"], "--peer '10.0.0' is not an IPv4 address (like 10.0.0.1)"),
            (["--loud=yes"], "--loud is a switch and takes no value"),
            (["--port"], "--port needs a value: PORT"),
            (["--name", "a", "--name", "b"], "--name is given twice"),
            (["--colour", "red"], "unknown argument '--colour' (known: --name, --count, --port, --peer, --loud)"),
            (["extra"], "unexpected 'extra': arguments are --name VALUE (-- --help lists them)"),
            (["--"], "unexpected '--': arguments are --name VALUE (-- --help lists them)"),
        ]
        for (words, expected) in cases {
            let e = failure(words)
            #expect(e?.description == expected, "\(words)")
            #expect(e?.isHelp == false)
            #expect(e?.description.contains("\n") == false)
        }
        let none = (try? ArgumentValues(parsing: ["--x"], declared: [])) == nil
        #expect(none)
        do { _ = try ArgumentValues(parsing: ["--x"], declared: []) } catch {
            #expect(error.description == "unknown argument '--x' (this application takes none)")
        }
    }

    @Test func helpListsEveryArgumentWithItsDefault() {
        let e = failure(["--count", "2", "--help"])
        #expect(e?.isHelp == true)
        #expect(e?.description == """
            Arguments (after --):
              --name TEXT  A name. (default: x)
              --count N    A count. (default: 1)
              --port PORT  A port.
              --peer ADDR  An address.
              --loud       A switch.
            """)
        #expect(failure(["-h"])?.isHelp == true)
        #expect(ArgumentValues.help([]) == "This application takes no arguments.")
    }
}
