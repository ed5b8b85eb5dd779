import Foundation
import RecpipeTestSupport
import Testing

/// Segment names from Lua `name_segment` rules (#12.5): named from each segment's summary, in the
/// exports and the summary; repeated names told apart with a warning; errors located.
@Suite struct SegmentNameRulesTests {
    /// Three big spenders and three small ones: k = 2 separates them whatever the seed.
    static func project(_ rules: String, columns: String = "[monetary, orders]") -> String {
        let dir = TestSupport.temporaryDirectory("segment-names")
        TestSupport.write(
            """
            user_id,monetary,orders
            u1,1000,10
            u2,1100,12
            u3,950,9
            u4,10,1
            u5,12,2
            u6,9,1

            """, to: "users.csv", in: dir)
        TestSupport.write(rules, to: "names.lua", in: dir)
        return TestSupport.write(
            """
            pipeline: names
            seed: 7
            stages:
              users: { uses: ingest, with: { path: users.csv } }
              segments:
                uses: cluster
                input: users
                with: { k: 2, columns: \(columns), names_script: names.lua }
              out: { uses: export, inputs: { data: [segments] }, with: { to: out, formats: [csv] } }
            """, to: "p.yaml", in: dir)
    }

    /// user id → segment name, from the exported segments.
    static func names(_ p: String) throws -> [String: String] {
        let csv = try String(
            contentsOfFile: (p as NSString).deletingLastPathComponent + "/out/segments.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let user = rows[0].firstIndex(of: "user_id")!, name = rows[0].firstIndex(of: "segment_name")!
        return Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[user], $0[name]) })
    }

    @Test func rulesNameSegmentsFromTheirSummary() async throws {
        let p = Self.project(
            """
            name_segment("Big spenders", function(s) return s.monetary_index > 1.5 and s.share == 0.5 end)
            name_segment("small", function(s) return "Small baskets (" .. s.size .. " users / " .. math.floor(s.orders) .. " orders)" end)
            """)
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)\(r.out)")
        let names = try Self.names(p)
        #expect(["u1", "u2", "u3"].allSatisfy { names[$0] == "Big spenders" }, "\(names)")
        #expect(["u4", "u5", "u6"].allSatisfy { names[$0] == "Small baskets (3 users / 1 orders)" }, "\(names)")
        #expect(r.out.contains("rule name_segment 'Big spenders' (names.lua:1): named segment "), "\(r.out)")
        #expect(r.out.contains("' Small baskets") == false)
        let summary = try String(
            contentsOfFile: (p as NSString).deletingLastPathComponent + "/out/segments.summary.csv", encoding: .utf8)
        #expect(
            summary.contains("Big spenders") && summary.contains("Small baskets (3 users / 1 orders)"), "\(summary)")
    }

    @Test func aSegmentNoRuleNamesKeepsItsNameAndRepeatsAreToldApart() async throws {
        let kept = Self.project("name_segment(\"Big spenders\", function(s) return s.monetary > 500 end)\n")
        let r = await recpipe("run", kept)
        #expect(r.code == 0, "\(r.err)")
        let names = try Self.names(kept)
        #expect(names["u1"] == "Big spenders" && names["u4"] == "low monetary", "\(names)")
        #expect(r.out.contains("no name_segment rule matched segment "), "\(r.out)")
        #expect(r.out.contains("(kept 'low monetary')"), "\(r.out)")

        let twice = Self.project("name_segment(\"Shoppers\", function(s) return true end)\n")
        let t = await recpipe("run", twice)
        #expect(t.code == 0, "\(t.err)")
        #expect(Set(try Self.names(twice).values) == ["Shoppers", "Shoppers 2"])
        #expect(
            (t.out + t.err).contains(
                "name_segment 'Shoppers' (names.lua:1) gave segment 1 the name 'Shoppers' of segment 0: it is called 'Shoppers 2'"
            ),
            "\(t.out)\(t.err)")
    }

    @Test func aRuleReturningSomethingElseFailsTheStageAtItsLine() async {
        let p = Self.project("\nname_segment(\"n\", function(s) return s.size end)\n")
        let r = await recpipe("run", p)
        #expect(r.code == 1)
        #expect(r.err.contains("names.lua:2"), "\(r.err)")
        #expect(
            r.err.contains(
                "name_segment rule returned a number; return true (the rule's name), a name string, or false/nil (rule 'n', segment 0"
            ),
            "\(r.err)")
    }

    @Test func validateChecksTheScriptAndTheFieldsItReads() async {
        let p = Self.project(
            """
            name_segment("Big", function(s) return s.monetry_index > 2 or s.sharee > 0.5 end)
            tag("t", function(u) return true end)
            """)
        let r = await recpipe("validate", p)
        #expect(r.code == 2, "\(r.err)")
        let dir = (p as NSString).deletingLastPathComponent
        #expect(
            r.err.contains(
                "\(dir)/names.lua:1:42: error: name_segment 'Big' reads s.monetry_index, but the segment records have no field 'monetry_index'"
            ),
            "\(r.err)")
        #expect(
            r.err.contains(
                "did you mean 'monetary_index'? segment fields: segment, name, size, share, monetary, monetary_index, orders, orders_index"
            ),
            "\(r.err)")
        #expect(r.err.contains("names.lua:1:65: error: name_segment 'Big' reads s.sharee"), "\(r.err)")
        #expect(r.err.contains("names_script: a tag rule ('t') has no effect in a cluster stage"), "\(r.err)")
        let missing = Self.project("")
        try? FileManager.default.removeItem(atPath: (missing as NSString).deletingLastPathComponent + "/names.lua")
        let m = await recpipe("validate", missing)
        #expect(m.code == 2 && m.err.contains("names_script: rules script 'names.lua' not found"), "\(m.err)")
    }
}
