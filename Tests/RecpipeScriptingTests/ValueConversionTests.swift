import Testing

@testable import RecpipeScripting

@Suite struct ValueConversionTests {
    static let user: [String: ScriptValue] = [
        "n": .int(42), "big": .int(Int64.max), "x": .double(2.5), "whole": .double(3.0),
        "none": .null, "city": .string("上海"), "flag": .bool(true),
        "cats": .list([.string("shoes"), .int(7), .list([.double(0.5)])]),
    ]

    @Test(arguments: [
        ("math.type(u.n)", "integer"),
        ("tostring(u.n + 1)", "43"),
        ("tostring(u.big == math.maxinteger)", "true"),
        ("math.type(u.x)", "float"),
        ("math.type(u.whole)", "float"),
        ("tostring(u.whole)", "3.0"),
        ("tostring(u.none)", "nil"),
        ("u.city", "上海"),
        ("tostring(#u.city)", "6"),
        ("tostring(utf8.len(u.city))", "2"),
        ("u.city .. '市'", "上海市"),
        ("type(u.flag)", "boolean"),
        ("tostring(#u.cats)", "3"),
        ("u.cats[1] .. math.type(u.cats[2])", "shoesinteger"),
        ("tostring(u.cats[3][1])", "0.5"),
    ])
    func fieldValues(expression: String, expected: String) throws {
        #expect(try Fixture.eval(expression, user: Self.user) == expected)
    }

    @Test func listsAreFreshCopies() throws {
        let expr = "(function() local c = u.cats c[1] = 'changed' return u.cats[1] end)()"
        #expect(try Fixture.eval(expr, user: Self.user) == "shoes")
    }

    @Test func membershipMethods() throws {
        let sets: [String: Set<String>] = ["tags": ["vip"], "purchased": ["SKU-1", "12"], "seen": ["SKU-2"]]
        let expr = """
            table.concat({ tostring(u:has_tag('vip')), tostring(u:has_tag('new')), tostring(u:purchased('SKU-1')),
              tostring(u:purchased(12)), tostring(u:seen('SKU-2')), tostring(u:seen('SKU-1')) }, ',')
            """
        #expect(try Fixture.eval(expr, sets: sets) == "true,false,true,true,true,false")
    }

    @Test func recordsAreNamedInTypeErrors() throws {
        let error = try #require(Fixture.evalError("u + 1"))
        #expect(error.message == "attempt to perform arithmetic on a record value (local 'u')")
        #expect(try Fixture.eval("type(u)") == "userdata")
    }

    @Test func ruleIndicesByKind() throws {
        let lua = try Fixture.runtime("tag('a', print)\nfilter('b', print)\ntag('c', print)")
        #expect(lua.ruleIndices(of: .tag) == [0, 2])
        #expect(lua.ruleIndices(of: .filter) == [1])
    }

    @Test func methodsShadowFieldsOfTheSameName() throws {
        #expect(try Fixture.eval("type(u.seen)", user: ["seen": .int(1)]) == "function")
    }

    @Test func viewMovesBetweenRows() throws {
        let lua = try Fixture.runtime("tag('n', function(u) return 'n' .. u.n end)")
        lua.bind(users: Fixture.users((0..<5).map { ["n": .int(Int64($0))] }))
        for row in [3, 0, 4, 4, 1] {
            #expect(try lua.evaluateTags(user: row) == ["n\(row)"])
        }
    }

    @Test func theSameViewIsReusedAcrossCalls() throws {
        // Rules cannot keep the previous view (issue 20.2), so compare the view's address.
        let lua = try Fixture.runtime("tag('same', function(u) return string.format('%p', u) end)")
        lua.bind(users: Fixture.users([[:], [:]]))
        let first = try lua.evaluateTags(user: 0)
        #expect(first.count == 1 && first != ["(null)"])
        #expect(try lua.evaluateTags(user: 1) == first)
    }

    @Test func tagResultForms() throws {
        let lua = try Fixture.runtime(
            """
            tag("vip", function(u) return u.monetary >= 500 end)
            tag("top_categories", function(u) return { "likes_" .. u.top_category } end)
            tag("single", function(u) return "solo" end)
            tag("none", function(u) return nil end)
            tag("dup", function(u) return { "solo", "vip", "x", "x" } end)
            """)
        lua.bind(
            users: Fixture.users([
                ["monetary": .int(600), "top_category": .string("shoes")],
                ["monetary": .int(10), "top_category": .string("bags")],
            ]))
        #expect(try lua.evaluateTags(user: 0) == ["vip", "likes_shoes", "solo", "x"])
        #expect(try lua.evaluateTags(user: 1) == ["likes_bags", "solo", "vip", "x"])
    }

    @Test func filtersAndPromotions() throws {
        let lua = try Fixture.runtime(
            """
            filter("in_stock", function(u, item) return item.stock > 0 end)
            filter("not_purchased", function(u, item) return not u:purchased(item.id) end)
            promote{ name = "coats", boost = 1.3, when = function(u, item) return item.category == "coats" end }
            pin{ name = "welcome", items = { "SKU-1" }, when = function(u) return u:has_tag("new_user") end }
            pin{ name = "everyone", items = { "SKU-2" }, position = 2 }
            """)
        lua.bind(users: Fixture.users([[:]], sets: ["purchased": ["SKU-2"], "tags": ["new_user"]]))
        lua.bind(
            items: Fixture.items([
                ["id": .string("SKU-1"), "stock": .int(3), "category": .string("coats")],
                ["id": .string("SKU-2"), "stock": .int(3), "category": .string("hats")],
                ["id": .string("SKU-3"), "stock": .int(0), "category": .string("hats")],
            ]))
        #expect(try lua.firstRejectingFilter(user: 0, item: 0) == nil)
        #expect(try lua.firstRejectingFilter(user: 0, item: 1) == 1)
        #expect(try lua.firstRejectingFilter(user: 0, item: 2) == 0)
        #expect(try lua.evaluateWhen(2, user: 0, item: 0) == true)
        #expect(try lua.evaluateWhen(2, user: 0, item: 1) == false)
        #expect(try lua.evaluateWhen(3, user: 0) == true)
        #expect(try lua.evaluateWhen(4, user: 0) == true)
        #expect(lua.ruleIndex(named: "welcome") == 3)
        let wrongKind = try #require(throws: RuleError.self) { try lua.evaluateFilter(2, user: 0, item: 0) }
        #expect(wrongKind.message == "rule 'coats' is a promote rule, not filter")
    }

    @Test func reseedMakesResultsOrderIndependent() throws {
        let lua = try Fixture.runtime("tag('r', function(u) return tostring(math.random(1000000)) end)")
        lua.bind(users: Fixture.users([[:], [:]]))
        lua.reseed(1)
        let a = try lua.evaluateTags(user: 0)
        _ = try lua.evaluateTags(user: 1)
        lua.reseed(1)
        #expect(try lua.evaluateTags(user: 0) == a)
    }
}
