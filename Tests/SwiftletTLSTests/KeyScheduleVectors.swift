// Test vectors for the Crypto tests (KeyScheduleTests, RecordKeysTests, SigningKeysTests, TicketKeysTests).
//
// RFC 8448 (Example Handshake Traces for TLS 1.3) §3 (simple 1-RTT), §4 (resumed 0-RTT) and §5
// (HelloRetryRequest): transcribed from public test suites that carry the trace (Erlang/OTP's
// tls_1_3_record_SUITE, Botan's tls_13_rfc8448 data), and self-checking: the tests derive each secret
// from the messages and seal each record with our code, so a transcription error fails a test.
//
// The aes256*/chacha* values were computed with Python `cryptography` 38 (AESGCM, ChaCha20Poly1305) and a
// ten-line HKDF-Expand-Label written from §7.1 on hashlib/hmac, independently of this code:
//   secret = Hash("swiftlet tls-keys " || suite as uint16)  (SHA-384 for 0x1302, SHA-256 for 0x1303)
//   key, iv = Expand-Label(secret, "key"/"iv", "", key_length/12)
//   rec0 = seal(seq 0, content (i*7+3) & 0xff for i < 100, type 23, no padding)
//   rec1 = seal(seq 1, content 01 00, type 21)
//   rec2 = seal(seq 2, content (i*13+1) & 0xff for i < 1000, type 22, 37 bytes of padding)
//   next = Expand-Label(secret, "traffic upd", "", Hash.length); upd0 = seal under next (seq 0,
//          "after update", type 23, padding 5)
//   exporter = TLS-Exporter with exporter_master_secret = secret, label "EXPORTER-test", context "ctx", 40 bytes
// A record sealed here equal to Python's is one Python opens, and the tests open Python's records, so both
// directions are covered.
// ecdsaServer*: Botan's variant of the RFC 8448 client-authentication trace with a P-256 server
// certificate: a CertificateVerify signature made by another implementation.
// The keys (PKCS#8 and SubjectPublicKeyInfo DER) were made with Python `cryptography` 38 for these tests.

enum KSV {
    /// §3 ClientHello (196 octets).
    static let s3ClientHello = bytes(hex: """
        010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201
        0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400
        230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00
        03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c
        00024001
        """)

    /// §3 ServerHello (90 octets).
    static let s3ServerHello = bytes(hex: """
        020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024
        001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304
        """)

    /// §3 EncryptedExtensions (40 octets).
    static let s3EncryptedExtensions = bytes(hex: """
        080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000
        """)

    /// §3 Certificate (445 octets).
    static let s3Certificate = bytes(hex: """
        0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a
        06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a
        0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d98
        0836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312
        0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d0
        3e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355
        1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f
        8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102
        702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8
        f8961229ac9187b42b4de10000
        """)

    /// §3 CertificateVerify (136 octets).
    static let s3CertificateVerify = bytes(hex: """
        0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d3
        3a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c
        9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3
        """)

    /// §3 server Finished (36 octets).
    static let s3ServerFinished = bytes(hex: """
        140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718
        """)

    /// §3 client Finished (36 octets).
    static let s3ClientFinished = bytes(hex: """
        14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61
        """)

    /// §3 NewSessionTicket (205 octets): lifetime 30, age_add, nonce 00 00, ticket, early_data.
    static let s3NewSessionTicket = bytes(hex: """
        040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf
        1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827
        db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228
        bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a
        e4d3570008002a000400000400
        """)

    /// §3 extract secret "early".
    static let s3EarlySecret = bytes(hex: """
        33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a
        """)

    /// §3 derive secret for handshake "tls13 derived".
    static let s3DerivedEarly = bytes(hex: """
        6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba
        """)

    /// §3 (EC)DHE input (x25519 shared secret).
    static let s3SharedSecret = bytes(hex: """
        8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d
        """)

    /// §3 extract secret "handshake".
    static let s3HandshakeSecret = bytes(hex: """
        1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac
        """)

    /// §3 transcript hash ClientHello..ServerHello.
    static let s3HelloHash = bytes(hex: """
        860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8
        """)

    /// §3 "c hs traffic".
    static let s3ClientHandshakeTraffic = bytes(hex: """
        b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21
        """)

    /// §3 "s hs traffic".
    static let s3ServerHandshakeTraffic = bytes(hex: """
        b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38
        """)

    /// §3 derive secret for master "tls13 derived".
    static let s3DerivedHandshake = bytes(hex: """
        43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4
        """)

    /// §3 extract secret "master".
    static let s3MasterSecret = bytes(hex: """
        18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919
        """)

    /// Transcript hash ClientHello..Certificate (the hash in the §3 CertificateVerify content).
    static let s3CertificateHash = bytes(hex: """
        764d6632b3c35c3f3205e3499ac3edbaabb88295fba751461d3678e2e5ea0687
        """)

    /// §3 transcript hash ClientHello..server Finished.
    static let s3ApplicationHash = bytes(hex: """
        9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13
        """)

    /// §3 "c ap traffic".
    static let s3ClientApplicationTraffic = bytes(hex: """
        9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5
        """)

    /// §3 "s ap traffic".
    static let s3ServerApplicationTraffic = bytes(hex: """
        a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643
        """)

    /// §3 "exp master".
    static let s3ExporterMaster = bytes(hex: """
        fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50
        """)

    /// §3 transcript hash ClientHello..client Finished.
    static let s3ResumptionHash = bytes(hex: """
        209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d
        """)

    /// §3 "res master".
    static let s3ResumptionMaster = bytes(hex: """
        7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c
        """)

    /// §3 server handshake write key.
    static let s3ServerHandshakeKey = bytes(hex: """
        3fce516009c21727d0f2e4e86ee403bc
        """)

    /// §3 server handshake write iv.
    static let s3ServerHandshakeIV = bytes(hex: """
        5d313eb2671276ee13000b30
        """)

    /// §3 client handshake write key.
    static let s3ClientHandshakeKey = bytes(hex: """
        dbfaa693d1762c5b666af5d950258d01
        """)

    /// §3 client handshake write iv.
    static let s3ClientHandshakeIV = bytes(hex: """
        5bd3c71b836e0b76bb73265f
        """)

    /// §3 server application write key.
    static let s3ServerApplicationKey = bytes(hex: """
        9f02283b6c9c07efc26bb9f2ac92e356
        """)

    /// §3 server application write iv.
    static let s3ServerApplicationIV = bytes(hex: """
        cf782b88dd83549aadf1e984
        """)

    /// §3 client application write key.
    static let s3ClientApplicationKey = bytes(hex: """
        17422dda596ed5d9acd890e3c63f5051
        """)

    /// §3 client application write iv.
    static let s3ClientApplicationIV = bytes(hex: """
        5b78923dee08579033e523d9
        """)

    /// §3 server finished_key.
    static let s3ServerFinishedKey = bytes(hex: """
        008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8
        """)

    /// §3 server verify_data.
    static let s3ServerVerifyData = bytes(hex: """
        9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718
        """)

    /// §3 client finished_key.
    static let s3ClientFinishedKey = bytes(hex: """
        b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4
        """)

    /// §3 client verify_data.
    static let s3ClientVerifyData = bytes(hex: """
        a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61
        """)

    /// §3 {server} send handshake record: EncryptedExtensions..Finished (679 octets).
    static let s3ServerFlightRecord = bytes(hex: """
        17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca
        07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b
        d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c
        7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092
        8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a8
        9441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f
        4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a3
        6ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e
        1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052c
        f93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe
        5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb
        5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038
        ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd50278
        4016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e
        750edc53370d2b
        """)

    /// §3 {client} send handshake record: Finished (58 octets).
    static let s3ClientFinishedRecord = bytes(hex: """
        170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1c
        aeacab6867d726c40546
        """)

    /// §3 {server} send handshake record: NewSessionTicket (227 octets).
    static let s3NewSessionTicketRecord = bytes(hex: """
        17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63c758db289a
        015940252f55713e061dc13e078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e0
        9c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406f16e3fc181a77ca475840025db2f0a77
        f81b5ab05b94c01346755f69232c86519d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74
        bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf15985684f
        """)

    /// §3 {client} send application_data record (72 octets): 00 01 .. 31.
    static let s3ClientApplicationRecord = bytes(hex: """
        1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b
        62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4
        """)

    /// §3 {server} send application_data record (72 octets).
    static let s3ServerApplicationRecord = bytes(hex: """
        17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8
        fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d
        """)

    /// §3 {client} send alert record: close_notify (24 octets).
    static let s3ClientAlertRecord = bytes(hex: """
        1703030013c9872760655666b74d7ff1153efd6db6d0b0e3
        """)

    /// §3 {server} send alert record: close_notify (24 octets).
    static let s3ServerAlertRecord = bytes(hex: """
        1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9
        """)

    /// §4 the PSK ("tls13 resumption" over the §3 ticket nonce 00 00).
    static let s4PSK = bytes(hex: """
        4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3
        """)

    /// §4 extract secret "early" from the PSK.
    static let s4EarlySecret = bytes(hex: """
        9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c
        """)

    /// §4 binder key ("res binder").
    static let s4BinderKey = bytes(hex: """
        69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256
        """)

    /// §4 binder hash: Hash(ClientHello prefix).
    static let s4BinderHash = bytes(hex: """
        63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14
        """)

    /// §4 binder finished_key.
    static let s4BinderFinishedKey = bytes(hex: """
        5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa
        """)

    /// §4 the binder.
    static let s4Binder = bytes(hex: """
        3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d
        """)

    /// §4 ClientHello with its binders (512 octets); the first 477 are the truncated ClientHello.
    static let s4ClientHello = bytes(hex: """
        010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d9500000613011303130201
        0001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400
        3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b00
        03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c
        000240010015005700000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c936
        7c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3
        664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf2
        97b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb002120
        3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d
        """)

    /// §5 ClientHello1 (180 octets).
    static let s5ClientHello1 = bytes(hex: """
        010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f00000613011303130201
        0000810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d0020e8e8e3
        f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e040305030603
        020308040805080604010501060102010402050206020202002d00020101001c00024001
        """)

    /// §5 HelloRetryRequest (176 octets).
    static let s5HelloRetryRequest = bytes(hex: """
        020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c00130100008400330002
        0017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf6256
        36e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16
        aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304
        """)

    /// §5 ClientHello2 (512 octets).
    static let s5ClientHello2 = bytes(hex: """
        010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f00000613011303130201
        0001cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017004104a6da
        7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e
        76ba7352830534159897e8065780002b0003020304000d0020001e040305030603020308040805080604010501060102
        010402050206020202002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd00
        30953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b
        0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c00024001001500
        af0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        """)

    /// §5 ServerHello (123 octets).
    static let s5ServerHello = bytes(hex: """
        020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b9800130100004f00330045
        0017004104583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d835
        40eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304
        """)

    /// §5 EncryptedExtensions.
    static let s5EncryptedExtensions = bytes(hex: """
        080000180016000a0008000600170018001d001c0002400100000000
        """)

    /// §5 the server's CertificateVerify content as Botan's test data has it: its hash covers message_hash(ClientHello1)..Certificate.
    static let s5ServerCertificateVerifyContent = bytes(hex: """
        202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020
        20202020202020202020202020202020544c5320312e332c207365727665722043657274696669636174655665726966
        7900a303fd397938c2b5c3fb0dfb33bd6c46d890331e3be5ed3b8ea2be5218c3db1a
        """)

    /// §3 the server's CertificateVerify content as Botan's test data has it.
    static let s3ServerCertificateVerifyContent = bytes(hex: """
        202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020
        20202020202020202020202020202020544c5320312e332c207365727665722043657274696669636174655665726966
        7900764d6632b3c35c3f3205e3499ac3edbaabb88295fba751461d3678e2e5ea0687
        """)

    /// Botan's RFC 8448 §6-style trace with an ECDSA server certificate (Botan test data tls_13_rfc8448/transcripts.vec): its P-256 SubjectPublicKeyInfo.
    static let ecdsaServerSPKI = bytes(hex: """
        3059301306072a8648ce3d020106082a8648ce3d0301070342000408d530161575f4cfe7f154ee3448180086001e8843
        1a79ee62ee6e2f83ef38ba61e9fb37f34e007a7df4d2f5b56d1f04ece45d621f468406f5c3a15158948dd0
        """)

    /// The same trace: the server's CertificateVerify content.
    static let ecdsaServerCertificateVerifyContent = bytes(hex: """
        202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020
        20202020202020202020202020202020544c5320312e332c207365727665722043657274696669636174655665726966
        7900859eaf14bd760766c74a398668367bc3a32687ce5a598b4383726ab82a911e26
        """)

    /// The same trace: the server's ecdsa_secp256r1_sha256 signature, made by Botan.
    static let ecdsaServerSignature = bytes(hex: """
        3045022100d7a4d34bd54f55fee1a89625678c3dd5e5f60dac73ec940c5c7b9304a02084a90220289f595ed488b9ac68
        9a3d192b1a8bb38f34af7874c059c9806a1f38269353e8
        """)

    /// Python cryptography 38: aes256 secret (see the generator in the header).
    static let aes256Secret = bytes(hex: """
        1367817cb92f9a2151691b54de59ade6c2286a08132f2363c51145379e21dd681880c1b802ca99c4e0c8aa1e5feb2062
        """)

    /// Python cryptography 38: aes256 key (see the generator in the header).
    static let aes256Key = bytes(hex: """
        31b1fdccafa1a906f33b109cee5a7615d9e18cc25eac7caabd8c867549579d52
        """)

    /// Python cryptography 38: aes256 iv (see the generator in the header).
    static let aes256Iv = bytes(hex: """
        13138921b3b11d7a963b1353
        """)

    /// Python cryptography 38: aes256 rec0 (see the generator in the header).
    static let aes256Rec0 = bytes(hex: """
        170303007521a6709a6bc473d70a8c3961cd576c38731e2082b9f4ae8b23c7cfc953b5b71ac739bbd955f38e465c448a
        9a2e934fcfabb75dab1baca7b1d10112d71d4c0fa98d3edff1c03a81190ae23fadb8ccbfc312004ca2ea2087ba3ca0f2
        91846f3fec4e8d0704fb06c57073c2c8ef52a662dc16087f6142
        """)

    /// Python cryptography 38: aes256 rec1 (see the generator in the header).
    static let aes256Rec1 = bytes(hex: """
        17030300132a667f26894d728fbd9cb235dff6e53f6fdd34
        """)

    /// Python cryptography 38: aes256 rec2 (see the generator in the header).
    static let aes256Rec2 = bytes(hex: """
        170303041e89df547f921065d93c642645037b02e5b6c7c30a3d92e4aa1c6efa5e26d877da839837037cd93453976faf
        57972a414bcaff60d498f6b2d8af58997723382be4d7a8c6a670d92d2cc11aa341e13736956f995a4c62b448c557b979
        837b1aeb08fc1219350ef8b26f299d875f933f0c127194ce1e1800b0fc5538ac4daf6ee5e5efddea78a87674c36ad388
        c7aeb624ea4fdb47bc5a76c3a4989d1e5982519bdbf51e96358b833fa8a86d2c59e8b4778366ef1a00fda6174d0592c7
        ed414bb536eb8bf241fb0a126c5be21d640ad6c04875b4d5743b57c7660693ed1a0a40c7ed0d09c1e7e5c5f64185f8eb
        e9bafc69b25061e008e887b49dfb56ca1fd3e48b64eefef1f14896304c19048f70ced9dce1d4bd165e8517271f581c73
        1d01de6fac5639c751a04bf4e432171a824deddec65b63c294006f47048c728b225f6b303c42a9532edf7c34f06efc81
        afb780847896e5cfa863afb2696bfbefa7137cd2d9d0f8bcb2b2f022266fce7833fc883fedb01e3a3bb6c555fddbe447
        041f4ab6302b13d19902c517beb411d01972f0f0788e0f6708a1f3776765ff2d9fadddcce284c92d0b9855a533be529f
        1107c4c28b393fcb315aca4af1d1da29319ae187d176a59e84c4ed898a4536584cd7041b5961445a3dcb5ad231eabf7c
        8d52c93575bb1bab7d558930cd770314b4d4b07dda706b27e30fa62ab0928f2ab5133c8d6f6378ddc19f165614648913
        50410b11e5a4f624ce5266c702fcc6f9727db079c82763250c49a9eb89e988baf0a9b52b6bb6ffe417ef566ca2d46d5b
        fc5452dec5879ebea2486b8a556855092954e5028212098670975b9e67d0e1819c7fd2408f0f7aa54d95886141d18460
        47c368bcc814b7e117d4f1c8641785fbe4259bb677fd92a901c0bf2c6348122a29068a64273d7c612d80a5e3043f5e5e
        b126841f9ae0dd1fc463876799df6b4cb3e7cc730fc5bc34576151f884262fe0ab782602724f7317f92ed5a874d428ec
        fa74015f07050500da9e9abe15725aa97ac861b406c125516218aa5ea804ec1a82ec14295f4e2476be7ffefeaa6ca9c0
        a365ba463e52f2dcb2eeb3ebe5684e2bec82f1f238afa2f859b18d6ffab4ea0e124c1af6ba9d731f70ad9563ebe9b14b
        6f8db42cee57492728268e146ac0d9da9884cff43234f998968b396572a5ed78bdfa944aa27fd8d0757b1e5e24263396
        8b2254512cd5203afc8243c6de888aeaf488ba3ebf8c3bcc13aac29202b0b1dae8fa60f73867726bd8a7bf80a3f58e67
        b9d0e1432f27f7990b53f41d4007278579f6cb3864a84288dc30dea5486a6bc566ebbd8f74985792aa5a55489edf3a04
        b635a3d79eb8cf8f45d50c23c08dd6b2d767f08946d8f0ac3379d99d596087a0220bc147a8e591be9ff7d1c10b7066e0
        6b20bcb7f754c6ba7a233e4f054774bfd3976248dd0bf60181f4b47cee397a7e38ecedd61657423ecaa997fef2a261cc
        246d15
        """)

    /// Python cryptography 38: aes256 next (see the generator in the header).
    static let aes256Next = bytes(hex: """
        473147894ad2e55380e9f89ef618e80eaa18aadd5510fb3efcdee33f4bfe0025e8e3c1ecc5bbb52392a9a4976ad2f34c
        """)

    /// Python cryptography 38: aes256 upd0 (see the generator in the header).
    static let aes256Upd0 = bytes(hex: """
        1703030022bf046b90f686f913d417b527034407b0d17011cf135c883d7cc47b8e262b0bcdaf02
        """)

    /// Python cryptography 38: aes256 exporter (see the generator in the header).
    static let aes256Exporter = bytes(hex: """
        ae64ebeca939c59ef333a90c4f7f1e4fd736fc3e4feb4fc79db8058e76ece2708610aeb529061572
        """)

    /// Python cryptography 38: chacha secret (see the generator in the header).
    static let chachaSecret = bytes(hex: """
        4dc73b4f86124bd7988fb23ff09d58be8d5b68f74f850240a7b26080fce5173f
        """)

    /// Python cryptography 38: chacha key (see the generator in the header).
    static let chachaKey = bytes(hex: """
        b0fbbc4cd9330b1b3baac57b503c4c83ab1d5268b1b09ace31e6660c085eb5de
        """)

    /// Python cryptography 38: chacha iv (see the generator in the header).
    static let chachaIv = bytes(hex: """
        fa03a334f70423d3eccbb274
        """)

    /// Python cryptography 38: chacha rec0 (see the generator in the header).
    static let chachaRec0 = bytes(hex: """
        1703030075453dce3ec5a1e93a3ee8f173cd0c4de7c6b7e0f607e247ff36575da37a201e6977cff20af43da8c71c1ece
        fec2f9a9e74332dfc509b0127c7ee010c34132eda48ac57dd1fbf6f790229ecdb3ad73e57ae76fbab766e269041de182
        d493aacdbf6be29e92bfe8b259050c0e991803a82d4586c88622
        """)

    /// Python cryptography 38: chacha rec1 (see the generator in the header).
    static let chachaRec1 = bytes(hex: """
        1703030013e7214d99cc033ddcf1ba7e972a3b3d98e5e2e1
        """)

    /// Python cryptography 38: chacha rec2 (see the generator in the header).
    static let chachaRec2 = bytes(hex: """
        170303041e6748276aea088046605091a79a79386137c66f007b0900ae6e408b6faac1bdb7ff59d3d3234c973dec7b22
        decebd0d46d82527557034de4be2db7cebb41ccc9ef4a5a53a2496fa1e3af4c6bea70acec734bda5df95bb8b3afa01bb
        a0d55d8600b13918dae8a6442fc556b26d8485b1cfee1d166c0a059d0592fbeaf622ee18aad9124f09496afe1d90960c
        32c27fe71845bd7b61bcaeb46fbcd1bb0a60a21f560a97e8ec3867823a6c1e25ad4a9cbd682faeca4ef5be311ad37bf6
        d6a5956e786ac9e9718b261d2d04b880c73fef6c8f36c0063d450b188de04a9808465d9b61ebe5fd9d841bd79c9f4d81
        0e4e268c045a4b96c8bbca443b50dcd559758ae3416ad0c5c1cf53832c5dfdec0b3657b58e53ebc466ef4db9755929f4
        f716352d5d682400694dcd95745a98f0cbbd714f7f19d41d1a1aae6c57e9961cf5418763278a840fd62775ac00bb7690
        5c952dd258e3d53117b79005e688c1f4962ffb935aefa8d19ef7e8b0219f3c50fcd1e3bfefe00d0a74bb0364261d0aae
        427a8539b27421238c72d4886895df081d520b8c9f0024e58e6bcee3c814b27c862a62b147696a3b9a83eabaedde8b39
        6b7660e7e79adde3ac522c28607bb6e5c592797a111167a7f8781831cad1dd52dc3df608d36a07e1d543ef556b4e093a
        dfffed77f928005fbfbe24707b108e3949a7c0abd94ce4d5a5a8c6dfba49186274645c9f93c5ab157125be602a2ed35f
        eeee6a3e9c2c91c3b59383ddd1e13253186fd299d6f74c4a5417e14b5c609bc5c8225043faea8bcd423579efcb89ecdf
        0d5ca2508390e3cf82acce3f86d2dd2083c8d3274fdfe0713030ae9b5590353a1b3789930d995d405a8fc53201cc3ea0
        3ca1fbf4364967090fb7ba14d2f3de7c605244f7337a96b8e66655675f528c61445604d165dbbf35fbbb62961b3bae54
        fdbca76bdf43304d25d8a164e29682e86a016dd1fd89ceb43a6b3fc7a008abaadc63c448fc97041f413f55a9bde53290
        a6095a5f347370db99a41c60e012523f9f205846a5367d19581493730b100fdc54d6ec5b9c98ff1faeb7a2fd2d5e6eab
        e554dbaed734d0cc5f43f0b2320b0c2673efd22c32a684efd07ad39d5a8f50d190439e206011cdb54802f121c85a7e16
        a0c2e484ad994d6eb1d23c689d40efdf6cf7ed55e42ad60051984d5f568cdd3bd5089ee9b7f66f0d5f63b693421d9b28
        762092bc8cd450ecc4be9e4242c8511c5d6efe2d233afb18228d263ea4941c455f94fd73b92e7cb25eab6f04bdbb7c82
        709d646a1fa9dd710009b520ff607ad151991169875eddb41e5c8e176ccb19bf05de4b3117003e8e9e343316b77870fc
        439fac2aa271292cd890e7372ff9e0a2b9630a86b1ba1ed2cf3f7668dfb99d5e90c4709037065dc08b14a62f0f9b54f0
        9739d179baceaa6424995dfba78c3ca5ee2498dc1da6fe9f85408aace9f626a0d5fcaee09cd02441f65f9597ab4b0328
        578879
        """)

    /// Python cryptography 38: chacha next (see the generator in the header).
    static let chachaNext = bytes(hex: """
        cfeded78f75a7ba4a7418e225ee1c5a3dd71a6e499cf6f8cf74b2294df893f9d
        """)

    /// Python cryptography 38: chacha upd0 (see the generator in the header).
    static let chachaUpd0 = bytes(hex: """
        17030300221b6f66879e2acd68a985dec5b78be235d061a20f1b5474de8537384d88196d4d4c94
        """)

    /// Python cryptography 38: chacha exporter (see the generator in the header).
    static let chachaExporter = bytes(hex: """
        f17e96a2d60378ada4f000afd24e3222a6ddfdd35a34282a96c2f944e0d7117de699865a5bafbbf9
        """)

    /// Python cryptography 38: p256 key (PKCS#8).
    static let p256PKCS8 = bytes(hex: """
        308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b02010104201f2e3d4c5b6a79881f2e3d4c
        5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988a14403420004bd7c73b88b2e9b4ceda62022b2da8be13193a5b56edc
        26e7df7842e24cd0b5eb0605ada7bda83ac6a2b80d7e314040fa47ff16b83bac85cedb014451bb7ce71a
        """)

    /// Python cryptography 38: p256 key (SubjectPublicKeyInfo).
    static let p256SPKI = bytes(hex: """
        3059301306072a8648ce3d020106082a8648ce3d03010703420004bd7c73b88b2e9b4ceda62022b2da8be13193a5b56e
        dc26e7df7842e24cd0b5eb0605ada7bda83ac6a2b80d7e314040fa47ff16b83bac85cedb014451bb7ce71a
        """)

    /// Python cryptography 38: p384 key (PKCS#8).
    static let p384PKCS8 = bytes(hex: """
        3081b6020100301006072a8648ce3d020106052b8104002204819e30819b020101043000000000000000000000000000
        000000000000000000000000000000000000000000000000000000ab54a98ceb1f0ad2a16403620004d8a17e55b8e2f4
        7bc369fd9616695ce273dce4e307830a65f5a4a9aa8967c987aeea7ad365677a13bfd65c3fe5a66939bdc53542c5213a
        51345dba8220abb23c71659a4d850b3bbaff8d035bd08a59eb32099c96a9049e4d7d435cf675713bc8
        """)

    /// Python cryptography 38: p384 key (SubjectPublicKeyInfo).
    static let p384SPKI = bytes(hex: """
        3076301006072a8648ce3d020106052b8104002203620004d8a17e55b8e2f47bc369fd9616695ce273dce4e307830a65
        f5a4a9aa8967c987aeea7ad365677a13bfd65c3fe5a66939bdc53542c5213a51345dba8220abb23c71659a4d850b3bba
        ff8d035bd08a59eb32099c96a9049e4d7d435cf675713bc8
        """)

    /// Python cryptography 38: ed25519 key (PKCS#8).
    static let ed25519PKCS8 = bytes(hex: """
        302e020100300506032b657004220420000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
        """)

    /// Python cryptography 38: ed25519 key (SubjectPublicKeyInfo).
    static let ed25519SPKI = bytes(hex: """
        302a300506032b657003210003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8
        """)

    /// Python cryptography 38: x25519 key (PKCS#8).
    static let x25519PKCS8 = bytes(hex: """
        302e020100300506032b656e042204200102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
        """)

    /// Python cryptography 38: rsa key (PKCS#8).
    static let rsaPKCS8 = bytes(hex: """
        308204bc020100300d06092a864886f70d0101010500048204a6308204a20201000282010100a8555db1bdb9a34a780d
        e84a5cf86b8db1989b9994c16c8e6217bcbeda1b157b8fb50c76b7daecf08c70ff8458a7d2bc034b8609332e383f89b2
        3c69c5997935a9a4b6c2b42a2bb325aa9323ab2bdde8936fd3e1a765c26a477bf07bb30fd0faa21d83049776264c66a4
        eef711036bc59d50325c4d0b3dd482a97b93d565c709a5d422a18b026b41bb7f14c5c4618b7d28fae6967ed4964f8267
        4c03ea966fe7ef1113268c09a9060807076eeb714ee32f8e00cd236881d3df4d5b7758970b8b5a6196b5177f34c76a9a
        90e36933df7c7780849efa5c2870759569e5fbd6cd98b0e5956d55a72c3c38d156d02152968045f36791fa1339d84913
        5a7a0fbfa97b02030100010282010009f7ec317f63c3e8c00d4ac944922d84599508f9e2564600748ca54fc408c08fed
        a5b21441b5043d0684168d96d6716352eaa1086070874233fc4b19946b0f437f4552d15aebf8648681806f274ed4b856
        2ad42853ca71e5eb4fcaa0f8aca21a85892bde14be196c82d3979727f9c4e311fad2d0a67b58f101bfd9a29a8b896acf
        1c2532757ae6c0f01f2db77ca9c142fed546862b14d26bdbaaf9b0102e01a8f11925a5e5c5bd36a80bf812843e716258
        ef5b7b12efa8b36f3c4fc0bd025e73af11694e56958a1402697f6422c473f716043a934bdf6c0e8e1e606e8982dd0dad
        6ed2e9aa514028cc5e315c651a5b5a6e9d285470314ec16733b1f5d9f90c5102818100e7a3f5dfd25151de5ca44f6b9b
        b1f9106bad8cf69ba653cecaa30168669fb5bb90bcde14baa912ddc29e2ed02e40b1a28a6eccde25319c4f6febd963cf
        bfbb7a3f7f6ed7f91928c73cbc80925f523b44cb9dd2d1a41ada927cd5b7c20d1a5295352a22f2d9e198d00db9947965
        ec01feec57a35656b4641e7161806e003222e902818100ba091ad74ffc58c9e2603934457ed4aadea9473118be2812af
        cbda88ec3ee691c4c33d1d339e86b22e69d3e79b49b45a6a4d8c07e638c476c8f97c7759ef4aeb138e293313316e6160
        18ea47cb1cc2eb9e35e667ca90ba3ea933e2a0de7bab1083055e42fe72e4c03c4f405aa8bfedd50ef75376c59f26d013
        1ecf96c8b742c30281802701b939c394e61067d1537e6f6d7cdf83026aa66c7789cd5cda2e3682718a8cd746b6af0eef
        c1b98e384cf1c998235197b628d18fb9d6f4998841c74908a46d659bf3f272840615e6e8674e3eb6fe3c0b7dbc2e894f
        ec5696a6f696bad61fe9f855ec24b1040853a0bc0b8095e53440d553bcb1a150273be923de18a7f7c9610281803b1555
        2ef8ba3e40afe2bb883c62118ccaf69c239da616f8085907e8e08f018f5e1c5bb680846267089297b840fb618a2da4bf
        4a6af5b07fc1486b1d44b4d8e85be7947222305acc1647137105b2f6bcfa1c4836c280c085d21b2668cd001dce3aae63
        c787245a3e2b69481902eb21cfbed711ecf0caa0fb08778a9a6ad8b91d0281807ebafeedfc7f32bc9d2a28088106927d
        3864015199e33f323adb99fb234efe2c712015a5df35d508949ebadb309d478c769c42cff0e7ae1cfbe33dd49527e1d3
        62af27ce40cef8aaadccb46bf04c0bbcea9ac6495411e4ca14f731dd7abf7880ea848842b2964f785527f55cd5fd8688
        ccbc46eac9a38a96234c9756aa6262ad
        """)

    /// Python cryptography 38: rsa key (SubjectPublicKeyInfo).
    static let rsaSPKI = bytes(hex: """
        30820122300d06092a864886f70d01010105000382010f003082010a0282010100a8555db1bdb9a34a780de84a5cf86b
        8db1989b9994c16c8e6217bcbeda1b157b8fb50c76b7daecf08c70ff8458a7d2bc034b8609332e383f89b23c69c59979
        35a9a4b6c2b42a2bb325aa9323ab2bdde8936fd3e1a765c26a477bf07bb30fd0faa21d83049776264c66a4eef711036b
        c59d50325c4d0b3dd482a97b93d565c709a5d422a18b026b41bb7f14c5c4618b7d28fae6967ed4964f82674c03ea966f
        e7ef1113268c09a9060807076eeb714ee32f8e00cd236881d3df4d5b7758970b8b5a6196b5177f34c76a9a90e36933df
        7c7780849efa5c2870759569e5fbd6cd98b0e5956d55a72c3c38d156d02152968045f36791fa1339d849135a7a0fbfa9
        7b0203010001
        """)
}
