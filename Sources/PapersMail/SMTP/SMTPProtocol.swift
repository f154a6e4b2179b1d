import NIOCore

/// One SMTP reply (RFC 5321 §4.2): a three-digit code and its text lines (several for `250-…` continuations).
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    /// 2xx success, 3xx go on, 4xx transient failure, 5xx permanent failure.
    public var code: Int
    /// The text after the code, one entry per line.
    public var lines: [String]

    /// Creates a reply.
    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// `code >= 400 && code < 500`: try again later.
    public var isTransient: Bool { (400..<500).contains(code) }
    /// `code >= 500`: do not try again.
    public var isPermanent: Bool { code >= 500 }

    public var description: String { "\(code) \(lines.joined(separator: " / "))" }
}

/// What can go wrong talking to a mail server.
public enum SMTPError: Error, Equatable, CustomStringConvertible {
    /// The server answered `command` with a 4xx or 5xx reply (or an unexpected code).
    case rejected(command: String, reply: SMTPReply)
    /// No connection, a dropped one, or a TLS failure.
    case connection(String)
    /// No reply within the configured time.
    case timeout(command: String, seconds: Double)
    /// The server spoke something other than SMTP, or cannot carry the message as asked.
    case unsupported(String)

    /// A permanent refusal of this message (a bounce): 5xx to `RCPT TO` or to the message data.
    public var isPermanentForMessage: Bool {
        if case .rejected(let command, let reply) = self { return reply.isPermanent && (command == "RCPT TO" || command == "DATA" || command == "message") }
        return false
    }

    public var description: String {
        switch self {
        case .rejected(let command, let reply): return "the mail server refused \(command): \(reply)"
        case .connection(let reason): return "mail server connection: \(reason)"
        case .timeout(let command, let seconds): return "the mail server did not answer \(command) within \(seconds) s"
        case .unsupported(let reason): return "mail server: \(reason)"
        }
    }
}

/// The grammar of one SMTP reply line (RFC 5321 §4.2), apart from the channel so it can be fuzzed.
package enum SMTPReplyLine {
    /// One reply line (its line end included or not): the code, the text, and whether more lines of the same reply
    /// follow (`250-…`). Throws ``SMTPError/unsupported(_:)`` for anything else.
    package static func parse(_ raw: [UInt8]) throws -> (code: Int, text: String, more: Bool) {
        var bytes = raw
        while let last = bytes.last, last == 10 || last == 13 { bytes.removeLast() }
        let line = String(decoding: bytes, as: UTF8.self)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ $0 >= 48 && $0 <= 57 }), let code = Int(String(decoding: bytes[0...2], as: UTF8.self)),
              bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-") else {
            throw SMTPError.unsupported("not an SMTP reply: \(line.prefix(80))")
        }
        let text = bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : ""
        return (code, text, bytes.count > 3 && bytes[3] == UInt8(ascii: "-"))
    }
}

/// Splits the byte stream into replies; multi-line replies (`250-…` … `250 …`) come out as one.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    /// Longest accepted reply line; RFC 5321 allows 512 octets, servers send more in EHLO lists.
    static let maximumLineBytes = 4_096

    private var pending: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineBytes { throw SMTPError.unsupported("a reply line longer than \(Self.maximumLineBytes) bytes") }
            return .needMoreData
        }
        let bytes = buffer.readBytes(length: newline - buffer.readerIndex + 1)!
        let (code, text, more) = try SMTPReplyLine.parse(bytes)
        if more {
            pending.append(text)
            if pending.count > 200 { throw SMTPError.unsupported("a reply of more than 200 lines") }
            return .continue
        }
        let reply = SMTPReply(code: code, lines: pending + [text])
        pending = []
        context.fireChannelRead(wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue, buffer.readableBytes > 0 {}
        return .needMoreData
    }
}

/// Hands each reply to whoever waits for it, in order; a reply that comes before anyone waits (the greeting) is
/// kept. Used only on its channel's event loop.
final class SMTPReplyQueue: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = SMTPReply

    private var waiting = CircularBuffer<EventLoopPromise<SMTPReply>>()
    private var early = CircularBuffer<SMTPReply>()
    private var failure: SMTPError?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        if let promise = waiting.popFirst() { promise.succeed(reply) } else { early.append(reply) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error as? SMTPError ?? .connection("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connection("the server closed the connection"))
        context.fireChannelInactive()
    }

    private func fail(_ error: SMTPError) {
        if failure == nil { failure = error }
        while let promise = waiting.popFirst() { promise.fail(error) }
    }

    /// The next reply; fails after `timeout` (and closes the channel: the conversation is out of step).
    func next(channel: any Channel, command: String, timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        let eventLoop = channel.eventLoop
        eventLoop.preconditionInEventLoop()
        if let reply = early.popFirst() { return eventLoop.makeSucceededFuture(reply) }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        waiting.append(promise)
        let timer = eventLoop.scheduleTask(in: timeout) {
            promise.fail(SMTPError.timeout(command: command, seconds: Double(timeout.nanoseconds) / 1e9))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }
}

/// SMTP's transparency rule (RFC 5321 §4.5.2) and message end: every line starting with `.` gets another `.`,
/// bare LF becomes CRLF, and `CRLF.CRLF` ends the data.
func dotStuffed(_ message: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(message.count + message.count / 50 + 5)
    var atLineStart = true
    var previous: UInt8 = 0
    for byte in message {
        if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { out.append(UInt8(ascii: "\r")) }
        if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
        out.append(byte)
        atLineStart = byte == UInt8(ascii: "\n")
        previous = byte
    }
    if !atLineStart { out += [13, 10] }
    out += Array(".\r\n".utf8)
    return out
}
