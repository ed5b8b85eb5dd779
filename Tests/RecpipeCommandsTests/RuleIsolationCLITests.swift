import Foundation
import RecpipeTestSupport
import Testing

/// Issue 20.2: the same tag and rank rules, including the issue's attempts to carry state from
/// one user to the next, give byte-identical outputs with `--jobs 1` and `--jobs 2`.
@Suite struct RuleIsolationCLITests {
    static let tags = """
        local seen = {}
        local counts = { n = 0 }
        tag("vip", function(u) return u.monetary >= 500 end)
        -- Each of these tries to keep state between users; each is an error (skipped and counted).
        tag("leak_table", function(u) local p = seen[1] seen[1] = u.user_id return p end)
        tag("leak_counter", function(u) counts.n = counts.n + 1 return "n" .. counts.n end)
        tag("leak_library", function(u) local p = string.last_user string.last_user = u.user_id return p end)
        tag("leak_next", function(u) return next(seen) == nil and "empty" or "leaked" end)
        tag("random", function(u) return "r" .. math.random(1, 1000) end)
        """

    static let filters = """
        local blocked = {}
        filter("remember", function(u, item) blocked[item.item_id] = true return true end)
        filter("forget", function(u, item) return not blocked[item.item_id] end)
        """

    /// A fresh pipeline folder (its own cache, so nothing is reused between the two runs).
    static func makePipeline(tags: String = tags, filters: String = filters, onError: String = "skip_record") -> String
    {
        let dir = TestSupport.temporaryDirectory("isolation")
        var events = "user_id,item_id,event\n"
        var profiles = "user_id,monetary\n"
        for u in 1...40 {
            profiles += "U\(u),\(u * 37 % 1000)\n"
            for k in 0..<(1 + u % 4) { events += "U\(u),\(["A", "B", "C", "D", "E"][(u + k) % 5]),view\n" }
        }
        TestSupport.write(events, to: "events.csv", in: dir)
        TestSupport.write(profiles, to: "profiles.csv", in: dir)
        TestSupport.write("item_id,category\nA,shoes\nB,coats\nC,coats\nD,toys\nE,toys\n", to: "items.csv", in: dir)
        TestSupport.write(tags, to: "tags.lua", in: dir)
        TestSupport.write(filters, to: "filters.lua", in: dir)
        return TestSupport.write(
            """
            pipeline: isolation
            as_of: "2026-11-01"
            seed: 7
            stages:
              events: { uses: ingest, with: { path: events.csv } }
              features: { uses: ingest, with: { path: profiles.csv } }
              items: { uses: ingest, with: { path: items.csv } }
              profiles: { uses: tag, input: features, with: { script: tags.lua, on_error: skip_record } }
              matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1 } } }
              pop: { uses: popular, input: matrix, with: { candidates: 5 } }
              recs:
                uses: rank
                inputs: { candidates: [pop], items: items, seen: matrix }
                with: { top: 3, filters: filters.lua, on_error: \(onError), exclude_seen: false }
              out: { uses: export, inputs: { data: [profiles, recs] }, with: { to: out, formats: [csv, jsonl] } }
            """, to: "p.yaml", in: dir)
    }

    static func files(in dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        // `out` is a link to the run's folder.
        let link = try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/out")
        let root = link.map { $0.hasPrefix("/") ? $0 : dir + "/" + $0 } ?? dir + "/out"
        for name in try FileManager.default.contentsOfDirectory(atPath: root)
        where name.hasSuffix(".csv") || name.hasSuffix(".jsonl") {
            out[name] = FileManager.default.contents(atPath: root + "/" + name)
        }
        return out
    }

    @Test func outputsAreIdenticalForOneAndTwoJobs() async throws {
        var outputs: [[String: Data]] = []
        for jobs in ["1", "2"] {
            let p = Self.makePipeline()
            let r = await recpipe("run", p, "--jobs", jobs)
            #expect(r.code == 0, "\(r.err)")
            // Every leak attempt is an error at its line, counted, never a value from another user.
            #expect(
                r.out.contains("rule_errors_skipped") || r.err.contains("rule errors skipped"), "\(r.out)\n\(r.err)")
            outputs.append(try Self.files(in: (p as NSString).deletingLastPathComponent))
        }
        #expect(!outputs[0].isEmpty)
        #expect(outputs[0].keys.sorted() == outputs[1].keys.sorted())
        for (name, data) in outputs[0] { #expect(outputs[1][name] == data, "\(name) differs between --jobs 1 and 2") }
        let profiles = try #require(outputs[0].first { $0.key.hasSuffix("profiles.csv") }?.value)
        let text = String(decoding: profiles, as: UTF8.self)
        #expect(!text.contains("leaked"))
        #expect(!text.contains("n2"))
    }

    @Test func assigningAFileLocalIsRefusedWhateverTheJobs() async throws {
        let leak = "local last\ntag(\"leak\", function(u)\n  local p = last\n  last = u.user_id\n  return p\nend)\n"
        var errors: [String] = []
        for jobs in ["1", "2"] {
            let p = Self.makePipeline(tags: leak)
            let r = await recpipe("run", p, "--jobs", jobs)
            #expect(r.code != 0)
            #expect(r.err.contains("tags.lua:4:"), "\(r.err)")
            #expect(
                r.err.contains("rule 'leak' assigns to 'last', a variable created while the file loaded"), "\(r.err)")
            errors.append(
                r.err.replacingOccurrences(of: (p as NSString).deletingLastPathComponent, with: "DIR")
                    .split(separator: "\n").filter { $0.contains("assigns") }.joined(separator: "\n"))
        }
        #expect(errors[0] == errors[1])
        let validate = await recpipe("validate", Self.makePipeline(tags: leak))
        #expect(validate.code == 2)
        #expect(validate.err.contains("rule 'leak' assigns to 'last'"), "\(validate.err)")
    }
}
