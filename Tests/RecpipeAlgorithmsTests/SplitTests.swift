import Testing

@testable import RecpipeAlgorithms

@Suite struct SplitTests {
    /// User 0 has 10 entries, user 1 has 5, user 2 has 1 (interleaved).
    let users: [Int32] = [0, 1, 0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 0, 1, 0]

    @Test func holdoutTakesTheFractionPerUserAndKeepsOneInTrain() throws {
        let s = try Split.holdout(users: users, testFraction: 0.2, seed: 42)
        let testUsers = s.test.map { users[$0] }
        #expect(testUsers.filter { $0 == 0 }.count == 2)
        #expect(testUsers.filter { $0 == 1 }.count == 1)
        #expect(!testUsers.contains(2))
        #expect((s.train + s.test).sorted() == Array(0..<users.count))
        #expect(s.train == s.train.sorted() && s.test == s.test.sorted())
    }

    @Test func holdoutIsDeterministicPerSeed() throws {
        let big = (0..<2000).map { Int32($0 % 37) }
        let a = try Split.holdout(users: big, testFraction: 0.3, seed: 1)
        #expect(a == (try Split.holdout(users: big, testFraction: 0.3, seed: 1)))
        #expect(a != (try Split.holdout(users: big, testFraction: 0.3, seed: 2)))
        #expect(throws: AlgorithmError.self) { try Split.holdout(users: big, testFraction: 1, seed: 1) }
    }

    @Test func leaveLastNPicksTheLatestPerUser() throws {
        let ts: [Int64] = [5, 1, 9, 3, 7, 2, 8, 4, 6, 2, 1, 10, 3, 4, 5, 0]
        let s = try Split.leaveLastN(users: users, timestamps: ts, n: 2)
        // user 0: timestamps 5,9,3,2,8,6,1,10,4,0 at entries 0,2,3,5,6,8,10,11,13,15 → latest 11 (10), 2 (9)
        // user 1: 1,7,2,3,5 at entries 1,4,9,12,14 → latest 4 (7), 14 (5); user 2: single entry stays.
        #expect(s.test == [2, 4, 11, 14])
        #expect(throws: AlgorithmError.self) { try Split.leaveLastN(users: users, timestamps: [1], n: 1) }
        #expect(throws: AlgorithmError.self) { try Split.leaveLastN(users: users, timestamps: ts, n: 0) }
    }

    @Test func leaveLastNBreaksTimestampTiesByEntryOrder() throws {
        let s = try Split.leaveLastN(users: [0, 0, 0], timestamps: [5, 5, 5], n: 1)
        #expect(s.test == [2])
    }

    @Test func kFoldPartitionsEveryEntryOnceWithBalancedSizes() throws {
        let folds = try Split.kFold(count: 103, folds: 5, seed: 7)
        #expect(folds.map(\.test.count) == [21, 21, 21, 20, 20])
        #expect(folds.flatMap(\.test).sorted() == Array(0..<103))
        for f in folds { #expect((f.train + f.test).sorted() == Array(0..<103)) }
        #expect(
            try Split.foldAssignment(count: 103, folds: 5, seed: 7)
                == (try Split.foldAssignment(count: 103, folds: 5, seed: 7)))
        #expect(
            try Split.foldAssignment(count: 103, folds: 5, seed: 7)
                != (try Split.foldAssignment(count: 103, folds: 5, seed: 8)))
        #expect(throws: AlgorithmError.self) { try Split.kFold(count: 3, folds: 5, seed: 1) }
        #expect(throws: AlgorithmError.self) { try Split.kFold(count: 30, folds: 1, seed: 1) }
    }
}
