import RecpipeCore

extension PipelineDecoder {
    // MARK: - engine:

    /// `engine:` (native or spark), then an `engine=…` override.
    mutating func decodeEngine(_ node: YAMLNode?) -> StageEngine {
        var engine = StageEngine.native
        let hint = "write `engine: native` or `engine: spark`"
        if let node, !node.isNull {
            if let text = node.scalarText, let e = StageEngine(rawValue: text) {
                engine = e
            } else {
                report(
                    .error(
                        "invalid-choice",
                        "'engine' expects one of \(StageEngine.names.joined(separator: ", ")), found '\(node.value)'",
                        at: node.location,
                        hint: Suggestions.hint(for: node.scalarText ?? "", in: StageEngine.names) ?? hint))
            }
        }
        for o in overrides where o.target == .engine {
            if case .scalar(.string(let s)) = o.value.shape, let e = StageEngine(rawValue: s) {
                engine = e
            } else {
                report(
                    .error(
                        "bad-override",
                        "override '\(o.text)': engine expects native or spark, found '\(o.value.value)'",
                        at: o.value.location, hint: "for example --set engine=spark"))
            }
        }
        return engine
    }

    // MARK: - spark:

    /// The `spark:` block: `master`, `submit`, `conf` (a mapping of Spark property → value) and
    /// `work_dir`, then the `spark.KEY=VALUE` overrides; every problem is reported.
    mutating func decodeSpark(_ node: YAMLNode?, pairKey: YAMLNode?) -> SparkSettings {
        var settings = decodeSparkBlock(node, pairKey: pairKey)
        for o in overrides {
            guard case .spark(let key) = o.target else { continue }
            applySparkOverride(o, key: key, to: &settings)
        }
        return settings
    }

    private mutating func decodeSparkBlock(_ node: YAMLNode?, pairKey: YAMLNode?) -> SparkSettings {
        var settings = SparkSettings(location: pairKey?.location)
        guard let node, !node.isNull else { return settings }
        guard let pairs = node.pairs else {
            report(
                .error(
                    "type-mismatch",
                    "'spark' expects a mapping (master, submit, conf, work_dir), found \(node.typeName)",
                    at: node.location, hint: "for example `spark: { master: \"local[2]\" }`"))
            return settings
        }
        for pair in pairs {
            let key = pair.key.scalarText ?? ""
            let value = pair.value
            switch key {
            case "master", "submit", "work_dir":
                guard let text = value.scalarText, !value.isNull, !text.isEmpty, value.pairs == nil, value.items == nil
                else {
                    report(
                        .error(
                            "type-mismatch", "'spark.\(key)' expects a string, found \(value.typeName)",
                            at: value.location,
                            hint: key == "master"
                                ? "for example `master: \"local[2]\"` or `master: yarn`" : "write a path"))
                    continue
                }
                settings.setText(key, text)
            case "conf":
                guard let entries = value.pairs else {
                    if !value.isNull {
                        report(
                            .error(
                                "type-mismatch",
                                "'spark.conf' expects a mapping of Spark property → value, found \(value.typeName)",
                                at: value.location, hint: "for example `conf: { spark.executor.memory: 8g }`"))
                    }
                    continue
                }
                for entry in entries {
                    guard let name = entry.key.scalarText, !name.isEmpty, entry.value.scalarText != nil,
                        !entry.value.isNull
                    else {
                        report(
                            .error(
                                "type-mismatch",
                                "'spark.conf' entries are `property: value` with a scalar value, found \(entry.value.typeName)",
                                at: entry.value.location, hint: "for example `spark.executor.memory: 8g`"))
                        continue
                    }
                    settings.conf.append(.init(key: name, value: entry.value.value))
                }
            default:
                report(
                    .error(
                        "unknown-key", "unknown key '\(key)' in 'spark'", at: pair.key.location,
                        hint: Suggestions.hint(for: key, in: SparkSettings.keys)
                            ?? "allowed keys: " + SparkSettings.keys.joined(separator: ", ")))
            }
        }
        return settings
    }

    /// `--set spark.master=yarn`, `spark.submit=PATH`, `spark.work_dir=DIR`,
    /// `spark.conf.PROPERTY=VALUE` (adds or replaces one property) or `spark.conf={k: v}` (all of them).
    private mutating func applySparkOverride(_ o: Override, key: String, to settings: inout SparkSettings) {
        let value = o.value.value
        switch key {
        case "master", "submit", "work_dir":
            guard case .string(let text) = value, !text.isEmpty else {
                report(
                    .error(
                        "bad-override",
                        "override '\(o.text)': 'spark.\(key)' expects a string, found \(value.typeName)",
                        at: o.value.location,
                        hint: key == "master" ? "for example --set spark.master=yarn" : "write a path"))
                return
            }
            settings.setText(key, text)
        case "conf":
            guard case .map(let entries) = value,
                entries.allSatisfy({ !$0.key.isEmpty && Self.isPropertyValue($0.value) })
            else {
                report(
                    .error(
                        "bad-override",
                        "override '\(o.text)': 'spark.conf' expects a mapping of Spark property → scalar value, "
                            + "found \(value.typeName)",
                        at: o.value.location,
                        hint: "for example --set 'spark.conf={spark.executor.memory: 8g}', "
                            + "or one property: --set spark.conf.spark.executor.memory=8g"))
                return
            }
            settings.conf = entries
        case _ where key.hasPrefix("conf.") && key.count > 5:
            let property = String(key.dropFirst(5))
            guard Self.isPropertyValue(value) else {
                report(
                    .error(
                        "bad-override",
                        "override '\(o.text)': a Spark property takes a scalar value, found \(value.typeName)",
                        at: o.value.location, hint: "for example --set spark.conf.spark.executor.memory=8g"))
                return
            }
            if let i = settings.conf.firstIndex(where: { $0.key == property }) {
                settings.conf[i].value = value
            } else {
                settings.conf.append(.init(key: property, value: value))
            }
        default:
            report(
                .error(
                    "bad-override", "override '\(o.text)' sets 'spark.\(key)', which the spark block does not have",
                    at: o.location,
                    hint: Suggestions.hint(for: key, in: SparkSettings.keys)
                        ?? "spark.KEY is one of " + SparkSettings.keys.map { "spark.\($0)" }.joined(separator: ", ")
                        + ", or spark.conf.PROPERTY"))
        }
    }

    /// A Spark property's value: a non-null scalar.
    private static func isPropertyValue(_ v: ParamValue) -> Bool {
        v.listValue == nil && v.mapValue == nil && !v.isNull
    }
}

extension SparkSettings {
    /// Sets `master`, `submit` or `work_dir` (the block's string keys) to `text`.
    fileprivate mutating func setText(_ key: String, _ text: String) {
        switch key {
        case "master": master = text
        case "submit": submit = text
        default: workDir = text
        }
    }
}
