import Foundation
import RecpipeCore
import RecpipeEngine
import Synchronization

/// Shows a run as it happens. On a terminal: a line per finished stage plus a live status line
/// of running stages and their progress; otherwise plain timestamped lines (cron logs).
final class ConsoleObserver: RunObserver {
    private struct State {
        var running: [String: String] = [:]  // stage → progress text
        var order: [String] = []
        var statusShown = false
    }

    private let state = Mutex(State())
    private let console: Console
    private let started = ContinuousClock.now

    init(console: Console) { self.console = console }

    func stageStarted(_ stage: String, kind: String) {
        state.withLock { s in
            s.running[stage] = ""
            s.order.append(stage)
            if console.isTerminal {
                redraw(&s)
            } else {
                console.err("[\(elapsed())] start  \(stage) (\(kind))\n")
            }
        }
    }

    func stageProgress(_ stage: String, fraction: Double?, message: String) {
        guard console.isTerminal else { return }
        state.withLock { s in
            guard s.running[stage] != nil else { return }
            let pct = fraction.map { String(format: "%3.0f%%", $0 * 100) } ?? ""
            s.running[stage] = [pct, message].filter { !$0.isEmpty }.joined(separator: " ")
            redraw(&s)
        }
    }

    func stageFinished(_ report: StageReport) {
        state.withLock { s in
            s.running[report.stage] = nil
            s.order.removeAll { $0 == report.stage }
            clear(&s)
            let symbol: String
            switch report.status {
            case .ran: symbol = "✓"
            case .cached: symbol = "="
            case .failed: symbol = "✗"
            case .skipped: symbol = "-"
            case .notSelected, .wouldRun: symbol = "·"
            }
            var line = "\(symbol) \(report.stage) \(report.status.rawValue)"
            if report.status == .ran || report.status == .cached {
                line += String(format: " %.2fs", report.seconds)
                if let rows = report.rowsOut { line += " \(SummaryTable.number(rows)) rows" }
            }
            if report.status == .failed, let e = report.error { line += ": \(e)" }
            if report.status == .skipped, let r = report.reason { line += " (\(r))" }
            console.err((console.isTerminal ? "" : "[\(elapsed())] ") + line + "\n")
            if console.isTerminal { redraw(&s) }
        }
    }

    func waitingForLock(held by: String) {
        console.err((console.isTerminal ? "" : "[\(elapsed())] ") + "waiting for another run to finish (\(by))…\n")
    }

    private func elapsed() -> String {
        let d = ContinuousClock.now - started
        return String(format: "%7.2fs", d.seconds)
    }

    private func clear(_ s: inout State) {
        if console.isTerminal && s.statusShown {
            console.err("\r\u{1B}[2K")
            s.statusShown = false
        }
    }

    private func redraw(_ s: inout State) {
        clear(&s)
        guard !s.order.isEmpty else { return }
        let parts = s.order.map { name in
            let p = s.running[name] ?? ""
            return p.isEmpty ? name : "\(name) \(p)"
        }
        var text = "⏳ " + parts.joined(separator: " · ")
        if text.count > 150 { text = String(text.prefix(149)) + "…" }
        console.err(text)
        s.statusShown = true
    }
}
