import Foundation
import RecpipeTestSupport
import Testing

@Suite struct RulesCommandTests {
    static let rules = """
        tag("vip", function(u) return u.monetary >= 500 end)
        tag("likes", function(u)
          if u.top_category == nil then return nil end
          return { "likes_" .. u.top_category }
        end)
        filter("in_stock", function(u, item) return item.stock > 0 end)
        """

    static func files() -> String {
        let dir = TestSupport.temporaryDirectory("rules-cli")
        TestSupport.write(rules, to: "tags.lua", in: dir)
        return dir
    }

    @Test func checkListsRules() async {
        let dir = Self.files()
        let r = await recpipe("rules", "check", dir + "/tags.lua")
        #expect(r.code == 0)
        #expect(r.out.contains("tags.lua: ok, 3 rules"))
        #expect(r.out.contains("tag     vip  line 1"))
        #expect(r.out.contains("filter  in_stock  line 6"))
    }

    @Test func checkFlagsSyntaxErrorsAndUndeclaredGlobals() async {
        let dir = TestSupport.temporaryDirectory("rules-cli-bad")
        let bad = TestSupport.write("tag(\"x\", function(u)\n  return u.a >\nend)\n", to: "bad.lua", in: dir)
        let r = await recpipe("rules", "check", bad)
        #expect(r.code == 2)
        #expect(r.err.contains("bad.lua:3:"))
        #expect(r.err.contains("[syntax]"))
        let global = TestSupport.write("threshold = 10\n", to: "global.lua", in: dir)
        let g = await recpipe("rules", "check", global)
        #expect(g.code == 2)
        #expect(g.err.contains("global.lua:1:"))
        #expect(g.err.contains("threshold"))
    }

    @Test func testReportsPassAndFailWithDifferences() async {
        let dir = Self.files()
        TestSupport.write(
            """
            case{ name = "rich", user = { monetary = 900, top_category = "toys" }, expect_tags = { "vip", "likes_toys" } }
            case{ name = "poor", user = { monetary = 10 }, expect_tags = {} }
            case{ name = "wrong", user = { monetary = 10 }, expect_tags = { "vip" } }
            """, to: "tags_test.lua", in: dir)
        let r = await recpipe("rules", "test", dir + "/tags_test.lua")
        #expect(r.code == 1)
        #expect(r.out.contains("PASS rich"))
        #expect(r.out.contains("PASS poor"))
        #expect(r.out.contains("FAIL wrong (\(dir)/tags_test.lua:3)"))
        #expect(r.out.contains("expected tags [vip] but got []: missing vip"))
        #expect(r.out.contains("2 passed, 1 failed"))
    }

    @Test func testAllPassingExitsZeroWithExplicitRules() async {
        let dir = Self.files()
        TestSupport.write(
            #"case{ name = "rich", user = { monetary = 900 }, expect_tags = { "vip" } }"#, to: "cases.lua", in: dir)
        let r = await recpipe("rules", "test", dir + "/cases.lua", "--rules", dir + "/tags.lua")
        #expect(r.code == 0)
        #expect(r.out.contains("1 passed, 0 failed"))
    }

    @Test func demoTagRuleTestsPass() async {
        let root = TestSupport.repositoryRoot
        let r = await recpipe("rules", "test", root + "/pipelines/rules/tags_test.lua")
        #expect(r.code == 0, "\(r.out)\(r.err)")
    }

    @Test func runPrintsTagsFiltersAndCost() async {
        let dir = Self.files()
        let users = TestSupport.write(
            #"{"user_id": "U1", "monetary": 900, "top_category": "bags"}"# + "\n"
                + #"{"user_id": "U2", "monetary": 5.5, "top_category": null}"# + "\n",
            to: "users.jsonl", in: dir)
        let items = TestSupport.write(
            #"{"item_id": "I1", "stock": 0}"# + "\n" + #"{"item_id": "I2", "stock": 3}"# + "\n", to: "items.jsonl",
            in: dir)
        let r = await recpipe("rules", "run", dir + "/tags.lua", "--input", users, "--items", items)
        #expect(r.code == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("U1: tags [vip, likes_bags], filtered out: I1 by in_stock  ("))
        #expect(lines[0].contains(" instructions, memory peak "))
        #expect(lines[1].hasPrefix("U2: tags [], filtered out: I1 by in_stock"))
    }

    @Test func runReportsRuleErrors() async {
        let dir = Self.files()
        let users = TestSupport.write(#"{"user_id": "U9", "top_category": "x"}"# + "\n", to: "users.jsonl", in: dir)
        let r = await recpipe("rules", "run", dir + "/tags.lua", "--input", users)
        #expect(r.code == 1)
        #expect(r.out.contains("error: \(dir)/tags.lua:1:"))
        #expect(r.out.contains("(rule 'vip', user 'U9')"))
    }
}
