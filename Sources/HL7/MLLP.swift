/// The Minimal Lower Layer Protocol's framing (HL7 v2 over TCP): each message travels as `0x0B`, the message's
/// bytes, `0x1C 0x0D`. A decoder takes the bytes of one connection as they arrive, in pieces of any size, and gives
/// back whole frames: a frame split over reads, several frames in one read, bytes before a start block, a frame
/// whose end block never came and a frame beyond the size limit are each handled and reported, never guessed at.
public struct MLLPDecoder: Sendable {
    /// The byte that starts a frame (VT).
    public static let startBlock: UInt8 = 0x0B
    /// The byte that ends a frame's message (FS).
    public static let endBlock: UInt8 = 0x1C
    /// The CR that follows the end block.
    public static let carriageReturn: UInt8 = 0x0D

    /// What the decoder found in the bytes given to it.
    public enum Event: Sendable, Hashable {
        /// A whole message (the bytes between the start block and the end block).
        case message([UInt8])
        /// Bytes outside any frame (before a start block), dropped.
        case discarded(bytes: Int)
        /// A frame that a new start block (or the end of the connection) cut off before its end block: its bytes so
        /// far, not a message (the sender resends what was not acknowledged).
        case incomplete([UInt8])
        /// A frame that grew beyond the limit before its end block; its bytes are dropped up to the next start block.
        case oversized(bytes: Int)
    }

    /// The largest message accepted, in bytes.
    public let maximumFrameBytes: Int
    private var frame: [UInt8] = []
    private var inFrame = false
    private var skippingOversized = false
    private var skipped = 0
    private var outside = 0
    /// True after an end block, so that the CR that follows it is part of the frame's end, not stray data.
    private var afterEndBlock = false

    /// A decoder refusing frames over `maximumFrameBytes` (1 MiB by default).
    public init(maximumFrameBytes: Int = 1 << 20) {
        precondition(maximumFrameBytes > 0, "a frame holds at least one byte")
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// True while a frame has begun and not ended: what a listener checks when a connection goes idle.
    public var isInFrame: Bool { inFrame || skippingOversized }

    /// Takes the next bytes of the connection; returns what they completed, in order.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) -> [Event] where Bytes.Element == UInt8 {
        var events: [Event] = []
        for byte in bytes {
            if afterEndBlock {
                afterEndBlock = false
                if byte == Self.carriageReturn { continue }
            }
            if byte == Self.startBlock {
                flushOutside(into: &events)
                if skippingOversized {
                    events.append(.oversized(bytes: skipped))
                    skippingOversized = false
                } else if inFrame {
                    events.append(.incomplete(frame))
                }
                frame.removeAll(keepingCapacity: true)
                inFrame = true
                continue
            }
            if byte == Self.endBlock, inFrame || skippingOversized {
                if skippingOversized {
                    events.append(.oversized(bytes: skipped))
                    skippingOversized = false
                } else {
                    events.append(.message(frame))
                    frame.removeAll(keepingCapacity: true)
                }
                inFrame = false
                afterEndBlock = true
                continue
            }
            if skippingOversized {
                skipped += 1
            } else if inFrame {
                guard frame.count < maximumFrameBytes else {
                    skipped = frame.count + 1
                    frame.removeAll(keepingCapacity: false)
                    inFrame = false
                    skippingOversized = true
                    continue
                }
                frame.append(byte)
            } else {
                outside += 1
            }
        }
        flushOutside(into: &events)
        return events
    }

    /// The connection ended (closed, or idle past the listener's timeout): a frame still open is reported.
    public mutating func finish() -> [Event] {
        var events: [Event] = []
        flushOutside(into: &events)
        if skippingOversized { events.append(.oversized(bytes: skipped)) } else if inFrame { events.append(.incomplete(frame)) }
        frame.removeAll()
        inFrame = false
        skippingOversized = false
        afterEndBlock = false
        return events
    }

    private mutating func flushOutside(into events: inout [Event]) {
        if outside > 0 {
            events.append(.discarded(bytes: outside))
            outside = 0
        }
    }

    /// `message` framed for sending.
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        [startBlock] + message + [endBlock, carriageReturn]
    }
}
