extension TableWriter {
    // MARK: - CSV injection

    /// Whether a spreadsheet opening the CSV would read `text` as a formula: it starts with `=`,
    /// `+`, `-`, `@`, a tab or a carriage return (OWASP's list) and is not a plain number
    /// (`-5`, `+1.5e3` stay numbers). Such a cell is written with a leading `'`, which
    /// spreadsheets show as text and do not display.
    package static func isFormulaLike(_ text: String) -> Bool {
        guard let first = text.utf8.first,
            [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13].contains(first)
        else { return false }
        return !isPlainNumber(text)
    }

    /// Optional sign, digits with at most one `.`, optional exponent: what every spreadsheet reads as a number.
    static func isPlainNumber(_ text: String) -> Bool {
        let allowed = Set("0123456789+-.eE".utf8)
        guard text.utf8.allSatisfy(allowed.contains), let d = Double(text) else { return false }
        return d.isFinite
    }
}
