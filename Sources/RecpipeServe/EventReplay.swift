import Foundation
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// Replays the event log into a fresh state on start: the lines received after the loaded run.
///
/// Which lines the run already has: an ingest stage whose `include` names the log (or its
/// folder) read it, and its stored table keeps each line's `_received_ms`; lines up to the
/// largest of those are in the run. Without such a stage no line is in the run: all replay.
package enum EventReplay {
    package struct Result: Sendable {
        package var lines = 0
        package var replayed = 0
        /// Lines the loaded run already read (through an ingest `include` of the log).
        package var inRun = 0
        /// Lines that could not be read back (a torn last line after a crash), with the reason.
        package var unreadable: [String] = []
        /// Logged events on items the loaded run's catalogue no longer has (the items table changed
        /// since they were accepted): not applied online; the next batch run decides on them.
        package var unknownItems = 0
        /// Up to 5 of those items, with the count of each.
        package var unknownExamples: [(item: String, events: Int)] = []
        /// The receive time (Unix ms) up to which the run read the log; nil: it did not read it.
        package var cutoff: Int64?
        package var readingStage: String?
        /// Set when no ingest stage reads the log (``EventLogPlace/warning(path:spec:readers:)``).
        package var warning: String?
    }

    static func replay(path: String, into state: ServeState, store: ArtifactStore) throws -> Result {
        var result = Result()
        defer { state.noteReplay(result) }
        (result.readingStage, result.cutoff) = cutoff(for: path, spec: state.pipeline.spec, store: store)
        if result.readingStage == nil {
            let spec = state.pipeline.spec
            result.warning = EventLogPlace.warning(
                path: path, spec: spec, readers: EventLogPlace.readers(of: path, spec: spec))
        }
        guard let data = FileManager.default.contents(atPath: path) else { return result }
        var objects: [[String: Any]] = []
        for (k, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            result.lines += 1
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                result.unreadable.append(
                    "\(path):\(k + 1): not a JSON object (a line torn by a crash is never acknowledged)")
                continue
            }
            let received = (o[EventLog.receivedKey] as? NSNumber)?.int64Value ?? Int64.max
            if let cutoff = result.cutoff, received <= cutoff {
                result.inRun += 1
                continue
            }
            objects.append(o)
        }
        // In chunks, so one bad line costs a chunk's re-parse line by line, not the whole log.
        var unknown: [String: Int] = [:]
        let chunk = 4096
        for start in stride(from: 0, to: objects.count, by: chunk) {
            let part = Array(objects[start..<min(objects.count, start + chunk)])
            if let events = try? state.pipeline.events.parse(objects: part) {
                result.replayed += apply(events, state, unknown: &unknown)
                continue
            }
            for o in part {
                do {
                    result.replayed += apply(try state.pipeline.events.parse(objects: [o]), state, unknown: &unknown)
                } catch {
                    result.unreadable.append("\(path): \(error)")
                }
            }
        }
        result.unknownItems = unknown.values.reduce(0, +)
        result.unknownExamples = unknown.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5).map {
            ($0.key, $0.value)
        }
        return result
    }

    /// Applies the events on known items; counts the others by item. Returns the applied count.
    private static func apply(_ events: [EventSchema.Parsed], _ state: ServeState, unknown: inout [String: Int]) -> Int
    {
        var known: [EventSchema.Parsed] = []
        for e in events {
            if state.pipeline.ranker.knows(item: e.item) { known.append(e) } else { unknown[e.item, default: 0] += 1 }
        }
        if !known.isEmpty { _ = state.apply(known, replay: true) }
        return known.count
    }

    /// The ingest stage reading the log through `include`, and the largest receive time in its
    /// stored table (`Int64.min` when it read no stamped line).
    static func cutoff(for path: String, spec: PipelineSpec, store: ArtifactStore) -> (String?, Int64?) {
        guard let stage = EventLogPlace.readers(of: path, spec: spec).reading else { return (nil, nil) }
        guard let fp = store.loadState().stages[stage]?.current.value,
            let table = (try? store.load(fp))?.artifact as? Table
        else { return (stage, nil) }
        guard let c = table.columnIndex(EventLog.receivedKey) else { return (stage, Int64.min) }
        var best = Int64.min
        for r in 0..<table.rowCount { if let v = table.int(row: r, col: c) { best = max(best, v) } }
        return (stage, best)
    }
}
