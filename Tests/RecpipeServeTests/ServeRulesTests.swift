import Foundation
import Hummingbird
import HummingbirdTesting
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeServe

/// Live rules: a broken file keeps the old rules and shows `file:line`; a good edit swaps in
/// and every later list follows it; the OpenAPI document matches the routes and answers.
@Suite struct ServeRulesTests {
    @Test func brokenFileKeepsOldRulesAndAGoodEditSwapsIn() async throws {
        let shop = await ServeShop()
        let (app, state) = try shop.app(logged: false)
        try await app.test(.router) { client in
            let before = try await client.execute(uri: "/v1/users/u0/recommendations", method: .get) { r in
                items(try object(r))
            }
            #expect(!before.isEmpty && before.first != "b4")

            TestSupport.write(
                "promote{ name = \"toys\", boost = 1.1,\n  when = function(u, item) return item.category == end }\n",
                to: "rules/promotions.lua", in: shop.dir)
            #expect(state.rulesChangedOnDisk())
            try await client.execute(uri: "/v1/rules/reload", method: .post) { r in
                #expect(r.status == .unprocessableContent)
                let o = try object(r)
                let files = try #require(o["files"] as? [[String: Any]])
                let promo = try #require(files.first { $0["file"] as? String == "rules/promotions.lua" })
                #expect(promo["state"] as? String == "error")
                #expect((promo["error"] as? String)?.hasPrefix("rules/promotions.lua:2:") == true, "\(promo)")
                #expect(o["rules_generation"] as? Int == 0)
            }
            // Still serving with the old rules.
            try await client.execute(uri: "/v1/users/u0/recommendations", method: .get) { r in
                #expect(r.status == .ok)
                let o = try object(r)
                #expect(items(o) == before)
            }
            try await client.execute(uri: "/v1/status", method: .get) { r in
                let o = try object(r)
                let rules = try #require(o["rules"] as? [[String: Any]])
                #expect(rules.contains { ($0["error"] as? String)?.hasPrefix("rules/promotions.lua:2:") == true })
            }

            // A good edit: pin b4 first for everyone.
            TestSupport.write(
                ServeShop.promotions + "\npin{ name = \"hero\", items = { \"b4\" }, position = 1 }\n",
                to: "rules/promotions.lua", in: shop.dir)
            try await client.execute(uri: "/v1/rules/reload", method: .post) { r in
                #expect(r.status == .ok)
                let o = try object(r)
                #expect(o["rules_generation"] as? Int == 1)
            }
            try await client.execute(uri: "/v1/users/u0/recommendations?explain=true", method: .get) { r in
                let o = try object(r)
                #expect(items(o).first == "b4")
                #expect(
                    (((o["items"] as? [[String: Any]])?.first)?["provenance"] as? String)?.contains("pin hero @1")
                        == true)
                #expect(o["rules_generation"] as? Int == 1)
            }
            #expect(!state.rulesChangedOnDisk())
        }
    }

    /// Tag rules reload too: the next event re-tags with the new script.
    @Test func tagRulesReloadAppliesToTheNextEvent() async throws {
        let shop = await ServeShop()
        let (app, state) = try shop.app(logged: false)
        TestSupport.write(
            "tag(\"shopper\", function(u) return u.events >= 1 end)\n", to: "rules/tags.lua", in: shop.dir)
        let files = state.reloadRules()
        #expect(files.allSatisfy { $0.state == "ok" })
        try await app.test(.router) { client in
            let e = #"[{"user_id":"u3","item_id":"a1","event":"view","timestamp":"2026-10-30 12:00:00"}]"#
            try await client.execute(uri: "/v1/events", method: .post, body: body(e)) { r in
                let o = try object(r)
                let u = try #require((o["users"] as? [[String: Any]])?.first)
                #expect(u["tags"] as? [String] == ["shopper"])
            }
        }
    }

    /// The routes the router has and the (method, path) pairs of `openapi.yaml` are the same set,
    /// and each answer has the fields the document requires of it.
    @Test func openAPIDocumentMatchesTheServer() async throws {
        let shop = await ServeShop()
        let (state, log, options, _) = try shop.prepare(logged: false)
        let router = ServeRoutes.router(state, options: options, log: log)
        let doc = try OpenAPIDocument.text()
        let parsed = YAMLLoader.load(doc, file: "openapi.yaml")
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        let paths = try #require(parsed.root?["paths"]?.pairs)
        var documented: Set<String> = []
        for p in paths {
            for op in p.value.pairs ?? [] {
                documented.insert("\(op.key.scalarText!.uppercased()) \(p.key.scalarText!)")
            }
        }
        // Router paths are written `/v1/users/:id/profile`; the document's `/v1/users/{id}/profile`.
        let served = Set(
            router.routes.map { route in
                let path = "\(route.path)".hasPrefix("/") ? "\(route.path)" : "/\(route.path)"
                let parts = path.split(separator: "/", omittingEmptySubsequences: false).map {
                    $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
                }
                return "\(route.method.rawValue) \(parts.joined(separator: "/"))"
            })
        #expect(
            served.subtracting(documented).isEmpty,
            "served but not in openapi.yaml: \(served.subtracting(documented).sorted())")
        #expect(
            documented.subtracting(served).isEmpty,
            "in openapi.yaml but not served: \(documented.subtracting(served).sorted())")
        #expect(served.count == 9)
        // The served document is the file.
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body) == doc)
            }
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            let checks: [(String, HTTPRequest.Method, String, String?)] = [
                ("/v1/users/u0/recommendations", .get, "Recommendations", nil),
                ("/v1/users/u0/profile", .get, "Profile", nil),
                ("/v1/items/a1/similar", .get, "Similar", nil),
                ("/v1/status", .get, "Status", nil),
                ("/v1/events", .post, "EventsAccepted", #"[{"user_id":"u1","item_id":"b1","event":"view"}]"#),
                ("/v1/rules/reload", .post, "Reload", nil),
                ("/v1/users/nobody/profile", .get, "Error", nil),
            ]
            for (uri, method, schema, text) in checks {
                try await client.execute(uri: uri, method: method, body: text.map(body)) { r in
                    let keys = Set(try object(r).keys)
                    let required = try #require(Self.required(schema, in: doc), "\(schema)")
                    #expect(required.isSubset(of: keys), "\(uri): missing \(required.subtracting(keys))")
                }
            }
        }
    }

    /// The `required: [...]` list of a component schema.
    static func required(_ schema: String, in doc: String) -> Set<String>? {
        guard let start = doc.range(of: "\n    \(schema):\n") else { return nil }
        let rest = doc[start.upperBound...]
        guard let line = rest.split(separator: "\n").first(where: { $0.contains("required: [") }) else { return nil }
        let inner = line.split(separator: "[").last!.split(separator: "]").first!
        return Set(inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }
}
