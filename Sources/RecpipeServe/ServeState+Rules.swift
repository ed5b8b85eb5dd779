import Foundation
import RecpipeEngine
import RecpipeScripting
import RecpipeStages

/// Live rules: the rank stage's `filters`/`promotions` scripts and the tag stage's `script`,
/// reloaded when their files change (or on `POST /v1/rules/reload`). A new set is validated
/// (loaded into a fresh runtime) before it replaces the old one in a single swap; a broken file
/// keeps the old rules serving and its error (`file:line: message`) shows in `/v1/status`.
extension ServeState {
    static func ruleFiles(_ p: ServedPipeline) -> [RuleFile] {
        var out: [RuleFile] = []
        let base = p.spec.baseDirectory
        if let rank = p.spec.stages.first(where: { $0.name == p.rankStage }) {
            for param in ["filters", "promotions"] {
                guard let file = rank.params[param]?.stringValue else { continue }
                let path = StageContext.resolve(file, base: base)
                out.append(
                    RuleFile(
                        file: file, path: path, kind: "rank \(param)", state: "ok", loadedAt: Date(),
                        modified: modified(path)))
            }
        }
        if let tagger = p.tagger, !tagger.isInline, let tag = p.spec.stages.first(where: { $0.name == p.tagStage }),
            let file = tag.params["script"]?.stringValue
        {
            let path = StageContext.resolve(file, base: base)
            out.append(
                RuleFile(
                    file: file, path: path, kind: "tag script", state: "ok", loadedAt: Date(), modified: modified(path))
            )
        }
        return out
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    package var ruleFiles: [RuleFile] { rules.withLock { $0.files } }
    package var rulesGeneration: Int { rules.withLock { $0.generation } }

    /// Whether any rules file changed on disk since it was last read.
    package func rulesChangedOnDisk() -> Bool {
        ruleFiles.contains { Self.modified($0.path) != $0.modified }
    }

    /// Reads every rules file again and swaps in the sets that load; returns the files' states.
    @discardableResult
    package func reloadRules() -> [RuleFile] {
        var files = ruleFiles
        var texts: [String: String] = [:]
        for i in files.indices {
            files[i].modified = Self.modified(files[i].path)
            if let text = try? String(contentsOfFile: files[i].path, encoding: .utf8) {
                texts[files[i].file] = text
            } else {
                files[i].state = "error"
                files[i].error = "\(files[i].file): cannot read \(files[i].path)"
            }
        }
        let (ranker, tagger) = rules.withLock { ($0.ranker, $0.tagger) }
        var newRanker: OnlineRanker?, newTagger: OnlineTagger?
        func mark(_ kinds: (String) -> Bool, error: String?) {
            for i in files.indices where kinds(files[i].kind) && (error != nil || texts[files[i].file] != nil) {
                files[i].state = error == nil ? "ok" : "error"
                files[i].error = error
                if error == nil { files[i].loadedAt = Date() }
            }
        }
        // Rank scripts, as one set (in the plan's order).
        let rankFiles = files.filter { $0.kind.hasPrefix("rank") }.map(\.file)
        if !rankFiles.isEmpty, rankFiles.allSatisfy({ texts[$0] != nil }) {
            let scripts = ranker.scripts.map { s in (file: s.file, text: texts[s.file] ?? s.text) }
            if scripts.map(\.text) != ranker.scripts.map(\.text) {
                do throws(RuleError) {
                    newRanker = try ranker.replacingScripts(scripts)
                    mark({ $0.hasPrefix("rank") }, error: nil)
                } catch {
                    for i in files.indices where files[i].kind.hasPrefix("rank") && files[i].file == error.file {
                        files[i].state = "error"
                        files[i].error = error.description
                    }
                }
            }
        }
        if let tagger, let file = files.first(where: { $0.kind == "tag script" }), let text = texts[file.file],
            text != tagger.text
        {
            do throws(RuleError) {
                newTagger = try tagger.replacingText(text)
                mark({ $0 == "tag script" }, error: nil)
            } catch {
                mark({ $0 == "tag script" }, error: error.description)
            }
        }
        let failed = files.contains { $0.state == "error" }
        rules.withLock { r in
            if let newRanker { r.ranker = newRanker }
            if let newTagger { r.tagger = newTagger }
            if newRanker != nil || newTagger != nil {
                // The cache refuses the old generation's answers before anyone can read the new one.
                cache.reset(generation: r.generation + 1)
                r.generation += 1
            }
            r.files = files
        }
        if newRanker != nil || newTagger != nil { metrics.reloads("ok").increment() }
        if failed { metrics.reloads("error").increment() }
        return files
    }
}
