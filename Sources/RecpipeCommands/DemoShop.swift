import Foundation
import RecpipeAlgorithms
import RecpipeCore
import RecpipeData

/// A synthetic shop with planted structure, for demos and recovery tests: users belong to one of
/// five segments (each with category preferences, price sensitivity, activity and a recency
/// pattern), and their events are drawn from those tastes — item choice ∝ the user's category
/// preference × item popularity × price fit. Files written under the target directory:
/// `users.csv`, `items.csv`, `events.csv`, `truth/segments.csv`, `truth/tastes.csv`.
///
/// Deterministic: the same arguments give byte-identical files. Events are generated day by day
/// and streamed to disk, so memory stays O(users + items + events per day).
enum DemoShop {
    struct Summary: Sendable, Hashable {
        var users: Int
        var items: Int
        var events: Int
        var directory: String
    }

    static let categories = [
        "coats", "shoes", "electronics", "beauty", "books", "toys",
        "groceries", "sports", "home", "bags", "jewelry", "outdoor",
    ]

    // MARK: - Planted segments

    struct Segment {
        var name: String
        var preferences: [String: Double]
        /// Exponent on relative price: positive avoids expensive items, negative seeks them.
        var priceSensitivity: Double
        var activity: Double
        /// Probabilities of the recency patterns steady / rising / fading.
        var recency: (Double, Double, Double)
        var ages: ClosedRange<Int>
        var share: Double
    }

    static let segments: [Segment] = [
        Segment(
            name: "bargain_hunters", preferences: ["groceries": 3, "home": 2.5, "toys": 1.2, "shoes": 1, "beauty": 1],
            priceSensitivity: 1.5, activity: 1.2, recency: (0.6, 0.2, 0.2), ages: 20...65, share: 0.25),
        Segment(
            name: "luxury", preferences: ["jewelry": 3, "bags": 3, "coats": 2.5, "beauty": 2],
            priceSensitivity: -0.6, activity: 0.8, recency: (0.7, 0.1, 0.2), ages: 28...58, share: 0.15),
        Segment(
            name: "tech_fans", preferences: ["electronics": 4, "books": 1.5, "outdoor": 1],
            priceSensitivity: 0.3, activity: 1.5, recency: (0.4, 0.4, 0.2), ages: 18...38, share: 0.2),
        Segment(
            name: "parents", preferences: ["toys": 3.5, "books": 2, "groceries": 2, "home": 1.5],
            priceSensitivity: 0.8, activity: 1.0, recency: (0.7, 0.15, 0.15), ages: 29...46, share: 0.2),
        Segment(
            name: "sporty", preferences: ["sports": 4, "outdoor": 3, "shoes": 2],
            priceSensitivity: 0.5, activity: 1.1, recency: (0.5, 0.2, 0.3), ages: 18...42, share: 0.2),
    ]

    struct CategoryInfo {
        var medianPrice: Double
        var brands: [String]
        var nouns: [String]
    }

    static let catalog: [String: CategoryInfo] = [
        "coats": .init(
            medianPrice: 120, brands: ["Northwind", "Maison Lu", "Alpen"],
            nouns: ["羊毛大衣 Wool Coat", "羽绒服 Down Jacket", "Trench Coat", "Parka"]),
        "shoes": .init(
            medianPrice: 80, brands: ["Stride", "Lumo", "飞跃 Feiyue"],
            nouns: ["Running Shoes", "帆布鞋 Canvas Sneakers", "Leather Boots", "Loafers"]),
        "electronics": .init(
            medianPrice: 250, brands: ["Voltix", "小米 Xiaomi", "Aurion"],
            nouns: ["Wireless Earbuds", "14\" Laptop Sleeve", "智能手表 Smart Watch", "Tablet", "Power Bank"]),
        "beauty": .init(
            medianPrice: 35, brands: ["Lumière", "Hana", "Verde"],
            nouns: ["面霜 Face Cream", "Lipstick", "Serum", "Perfume"]),
        "books": .init(
            medianPrice: 18, brands: ["Penguin", "中信出版 CITIC", "Orbit"],
            nouns: ["Mystery Novel", "Cookbook", "三体 The Three-Body Problem", "Travel Guide"]),
        "toys": .init(
            medianPrice: 25, brands: ["Playwise", "Bricko", "Tumble"],
            nouns: ["Building Blocks", "Plush Panda 熊猫", "Puzzle, 1000 pieces", "RC Car"]),
        "groceries": .init(
            medianPrice: 8, brands: ["FreshCo", "盒马 Hema", "Daily"],
            nouns: ["Green Tea 绿茶", "Olive Oil", "Coffee Beans", "Rice 5kg"]),
        "sports": .init(
            medianPrice: 45, brands: ["Apex", "李宁 Li-Ning", "Kinetic"],
            nouns: ["Yoga Mat", "Dumbbells", "Badminton Racket", "Jersey"]),
        "home": .init(
            medianPrice: 30, brands: ["Nest & Co", "宜家 IKEA", "Hearth"],
            nouns: ["Ceramic Mug", "Throw Blanket", "Desk Lamp", "Storage Box"]),
        "bags": .init(
            medianPrice: 150, brands: ["Carryall", "Maison Lu", "Atlas"],
            nouns: ["Leather Tote", "真皮手袋 Handbag", "Backpack", "Crossbody Bag"]),
        "jewelry": .init(
            medianPrice: 200, brands: ["Aurum", "周大福 Chow Tai Fook", "Lustre"],
            nouns: ["Gold Necklace", "Silver Ring", "玉手镯 Jade Bracelet", "Pearl Earrings"]),
        "outdoor": .init(
            medianPrice: 90, brands: ["Summit", "Trailhead", "骆驼 Camel"],
            nouns: ["Tent", "Hiking Poles", "Sleeping Bag", "Headlamp"]),
    ]

    static let cities = [
        "上海", "北京", "深圳", "杭州", "成都", "London", "New York", "Paris", "Berlin", "Singapore", "Toronto", "Sydney",
    ]
    static let colors = ["Black", "Navy", "Red", "Grey", "White", "Green"]

    struct User {
        var id: String
        var segment: Int
        /// Cumulative category preference (index into `categories`).
        var cumulative: [Double]
        var top: [String]
        var activity: Double
        /// 0 steady, 1 rising, 2 fading.
        var pattern: Int
        /// Day number (since epoch) from which the user is active.
        var signupDay: Int
        var age: Int
        var gender: String
        var city: String
    }

    struct Item {
        var id: String
        var title: String
        var category: Int
        var brand: String
        var price: Double
        var popularity: Double
        var stock: Int
        var clearance: Bool
    }

    // MARK: - Generation

    /// Writes the shop under `directory` (created if needed). Defaults: 2,000 users, 500 items,
    /// 60,000 events between 2026-05-01 and 2026-10-31. O(users + items + events) time.
    @discardableResult
    static func generate(
        users userCount: Int = 2000, items itemCount: Int = 500, events eventCount: Int = 60_000,
        seed: UInt64 = 42, to directory: String
    ) throws -> Summary {
        precondition(userCount > 0 && itemCount > 0 && eventCount >= 0, "counts must be positive")
        let users = makeUsers(userCount, seed: seed)
        let items = makeItems(itemCount, seed: seed)
        try writeUsers(users, to: directory + "/users.csv")
        try writeItems(items, to: directory + "/items.csv")
        try writeTruth(users, directory: directory)
        try writeEvents(eventCount, users: users, items: items, seed: seed, to: directory + "/events.csv")
        return Summary(users: userCount, items: itemCount, events: eventCount, directory: directory)
    }

    static func pick<T>(_ a: [T], _ g: inout SeededGenerator) -> T { a[Int(g.next() % UInt64(a.count))] }

    static func makeUsers(_ n: Int, seed: UInt64) -> [User] {
        var g = SeededGenerator(seed: seed, stream: 1)
        let width = max(5, String(n).count)
        let windowStart = Timestamp.days(year: 2026, month: 5, day: 1)
        return (0..<n).map { u in
            var x = g.nextDouble(), s = 0
            while s < segments.count - 1, x >= segments[s].share { x -= segments[s].share; s += 1 }
            let seg = segments[s]
            var prefs = categories.map { (seg.preferences[$0] ?? 0.3) * exp(0.5 * g.nextGaussian()) }
            let total = prefs.reduce(0, +)
            prefs = prefs.map { $0 / total }
            var acc = 0.0
            let cumulative = prefs.map {
                acc += $0; return acc
            }
            let top = categories.indices.sorted { prefs[$0] > prefs[$1] }.prefix(3).map { categories[$0] }
            let r = g.nextDouble()
            let pattern = r < seg.recency.0 ? 0 : r < seg.recency.0 + seg.recency.1 ? 1 : 2
            // Most users signed up before the event window; ~15% join during it.
            let signup =
                g.nextDouble() < 0.85
                ? windowStart - 1 - Int(g.next() % 850) : windowStart + Int(g.next() % 150)
            let genderDraw = g.nextDouble()
            let gender = genderDraw < 0.03 ? "" : genderDraw < 0.5 ? "F" : genderDraw < 0.97 ? "M" : "other"
            let idNum = String(u + 1)
            return User(
                id: "U" + String(repeating: "0", count: width - idNum.count) + idNum, segment: s,
                cumulative: cumulative, top: top, activity: seg.activity * exp(0.6 * g.nextGaussian()),
                pattern: pattern, signupDay: signup,
                age: seg.ages.lowerBound + Int(g.next() % UInt64(seg.ages.count)),
                gender: gender, city: pick(cities, &g))
        }
    }

    static func makeItems(_ n: Int, seed: UInt64) -> [Item] {
        var g = SeededGenerator(seed: seed, stream: 2)
        return (0..<n).map { i in
            let c = Int(g.next() % UInt64(categories.count))
            let info = catalog[categories[c]]!
            let raw = info.medianPrice * exp(0.45 * g.nextGaussian())
            let price = max(0.99, (raw.rounded(.down) + 0.99 * (g.nextDouble() < 0.6 ? 1 : 0.5)).rounded(toPlaces: 2))
            return Item(
                id: "SKU-\(1001 + i)", title: "\(pick(info.nouns, &g)) - \(pick(colors, &g))", category: c,
                brand: pick(info.brands, &g), price: price, popularity: exp(1.1 * g.nextGaussian()),
                stock: g.nextDouble() < 0.08 ? 0 : 1 + Int(g.next() % 500), clearance: g.nextDouble() < 0.1)
        }
    }
}

extension Double {
    func rounded(toPlaces p: Int) -> Double {
        let m = Foundation.pow(10.0, Double(p))
        return (self * m).rounded() / m
    }
}
