import Testing

@testable import RecpipeScripting

/// A list-of-strings column read in C (`u.items` of candidates plugins): each read is a new Lua
/// table with the row's strings in order, the same as the host's list.
@Suite struct ListColumnTests {
    final class Users: ScriptRecordSource {
        let fieldNames = ["name", "items"]
        let lists: [[String]]
        let scriptColumns: ScriptColumns?

        init(_ lists: [[String]], fast: Bool) {
            self.lists = lists
            var dictionary: [String] = []
            var offsets: [Int64] = [0]
            var codes: [UInt32] = []
            for list in lists {
                for s in list {
                    if let i = dictionary.firstIndex(of: s) {
                        codes.append(UInt32(i))
                    } else {
                        codes.append(UInt32(dictionary.count))
                        dictionary.append(s)
                    }
                }
                offsets.append(Int64(codes.count))
            }
            scriptColumns =
                fast
                ? ScriptColumns(
                    rows: lists.count,
                    columns: [
                        .init(.host), .init(.stringLists(dictionary: dictionary, offsets: offsets, codes: codes)),
                    ])
                : nil
        }

        func value(row: Int, field: Int) -> ScriptValue {
            field == 0 ? .string("U\(row + 1)") : .list(lists[row].map(ScriptValue.string))
        }
        func id(row: Int) -> String { "U\(row + 1)" }
        func has(set: String, row: Int, key: String) -> Bool { false }
    }

    @Test func listsReadInCAreFreshTablesWithTheHostsStrings() throws {
        let long = "L" + String(repeating: "z", count: 50)  // not interned by Lua
        let lists = [["a", "bb", "a"], [], [long, "ü", "bb"]]
        // The rule changes its copy of u.items; a second read is the row's list again.
        let script = """
            tag("items", function(u)
              local first = u.items
              first[1] = "changed"
              return u.name .. ":" .. table.concat(u.items, ",") .. ":" .. #u.items
            end)
            """
        for fast in [false, true] {
            let lua = try Fixture.runtime(script, file: "rules/items.lua")
            lua.bind(users: Users(lists, fast: fast))
            #expect(try lua.evaluateTag(0, user: 0) == ["U1:a,bb,a:3"])
            #expect(try lua.evaluateTag(0, user: 1) == ["U2::0"])
            #expect(try lua.evaluateTag(0, user: 2) == ["U3:\(long),ü,bb:3"])
        }
    }
}
