import Foundation
import PapersStore

/// One combination of search settings: what an evaluation grid varies.
public struct SearchSettings: Sendable, Hashable {
    /// Retrieval mode.
    public var mode: SearchMode
    /// BM25's k1 and b.
    public var scoring: KeywordScoring
    /// How a repeated query word counts.
    public var termFrequency: QueryTermFrequency
    /// How hybrid mode fuses its rankings.
    public var fusion: HybridFusion
    /// Field weights of the keyword index (index-time: a grid builds one database per title weight).
    public var fieldWeights: FieldWeights

    /// Creates settings; the defaults are what search uses.
    public init(mode: SearchMode = .hybrid, scoring: KeywordScoring = .standard, termFrequency: QueryTermFrequency = .count,
                fusion: HybridFusion = .init(), fieldWeights: FieldWeights = .standard) {
        self.mode = mode
        self.scoring = scoring
        self.termFrequency = termFrequency
        self.fusion = fusion
        self.fieldWeights = fieldWeights
    }

    /// These settings with whatever the mode or fusion rule ignores set to its default, so that two grid points
    /// that would rank identically are one point.
    public var effective: SearchSettings {
        var result = self
        let defaults = SearchSettings()
        if mode == .semantic {
            result.scoring = defaults.scoring
            result.termFrequency = defaults.termFrequency
            result.fieldWeights = defaults.fieldWeights
        }
        if mode != .hybrid {
            result.fusion = defaults.fusion
        } else if fusion.method == .rrf {
            result.fusion.alpha = defaults.fusion.alpha
            result.fusion.normalization = defaults.fusion.normalization
        } else {
            result.fusion.rrfK = defaults.fusion.rrfK
        }
        return result
    }

    /// The value of one grid axis, as the grid spells it.
    public func value(of axis: EvaluationGrid.Axis) -> String {
        switch axis {
        case .mode: return mode.rawValue
        case .k1: return Self.format(scoring.k1)
        case .b: return Self.format(scoring.b)
        case .qtf: return termFrequency.rawValue
        case .fusion: return fusion.method.rawValue
        case .alpha: return Self.format(fusion.alpha)
        case .normalization: return fusion.normalization.rawValue
        case .depth: return String(fusion.depth)
        case .keywordDepth: return String(fusion.keywordDepth)
        case .rrfK: return Self.format(fusion.rrfK)
        case .title: return String(fieldWeights.title)
        }
    }

    /// Whether `axis` changes what these settings rank (k1 does not matter to semantic search, α not to RRF).
    public func uses(_ axis: EvaluationGrid.Axis) -> Bool {
        switch axis {
        case .mode: return true
        case .k1, .b, .qtf, .title: return mode != .semantic
        case .fusion, .depth, .keywordDepth: return mode == .hybrid
        case .alpha, .normalization: return mode == .hybrid && fusion.method == .convex
        case .rrfK: return mode == .hybrid && fusion.method == .rrf
        }
    }

    /// Sets one axis from its spelling; throws a message naming the axis and the value.
    mutating func set(_ axis: EvaluationGrid.Axis, to text: String) throws(EvaluationError) {
        func number(_ range: ClosedRange<Double>) throws(EvaluationError) -> Double {
            guard let value = Double(text), range.contains(value) else {
                throw .invalidGrid("\(axis.rawValue)=\(text): expected a number in \(Self.format(range.lowerBound))…\(Self.format(range.upperBound))")
            }
            return value
        }
        func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws(EvaluationError) -> T where T.RawValue == String {
            guard let value = T(rawValue: text) else {
                throw .invalidGrid("\(axis.rawValue)=\(text): expected one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        switch axis {
        case .mode: mode = try choice(SearchMode.self)
        case .k1: scoring.k1 = try number(0...10)
        case .b: scoring.b = try number(0...1)
        case .qtf: termFrequency = try choice(QueryTermFrequency.self)
        case .fusion: fusion.method = try choice(HybridFusion.Method.self)
        case .alpha: fusion.alpha = try number(0...1)
        case .normalization: fusion.normalization = try choice(HybridFusion.Normalization.self)
        case .depth: fusion.depth = Int(try number(1...10_000))
        case .keywordDepth: fusion.keywordDepth = Int(try number(1...100_000))
        case .rrfK: fusion.rrfK = try number(0...10_000)
        case .title:
            guard let weight = UInt32(text), (1...10).contains(weight) else {
                throw .invalidGrid("title=\(text): expected a whole number in 1…10 (a title word counts as that many abstract words)")
            }
            fieldWeights.title = weight
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(format: "%g", value)
    }
}

/// A grid of search settings over which `papers eval beir` runs every collection: the cartesian product of the
/// values given per axis, e.g. `mode=keyword,hybrid k1=0.9,1.2 fusion=rrf,convex alpha=0.2,0.3`.
public struct EvaluationGrid: Sendable {
    /// A setting the grid can vary.
    public enum Axis: String, Sendable, CaseIterable {
        /// `keyword`, `semantic` or `hybrid`.
        case mode
        /// BM25 saturation.
        case k1
        /// BM25 length normalisation.
        case b
        /// Repeated query words: `count` or `once`.
        case qtf
        /// Hybrid rule: `rrf` or `convex`.
        case fusion
        /// Convex fusion's keyword weight.
        case alpha
        /// Convex fusion's score normalisation.
        case normalization = "norm"
        /// Dense candidates fused.
        case depth
        /// Keyword candidates fused.
        case keywordDepth = "kdepth"
        /// RRF's k.
        case rrfK = "rrfk"
        /// Weight of a title word in the keyword index (re-indexes a copy of the collection per value).
        case title
    }

    /// The axes as given, each with its values.
    public let axes: [(axis: Axis, values: [String])]
    /// Every distinct effective combination, in the order the spec enumerates them (first axis slowest).
    public let points: [SearchSettings]

    /// Parses `spec`: `axis=v1,v2,…` items separated by spaces or semicolons; unnamed axes keep `base`'s value.
    public init(parsing spec: String, base: SearchSettings = .init()) throws(EvaluationError) {
        var axes: [(axis: Axis, values: [String])] = []
        for item in spec.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "\n" }) {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let axis = Axis(rawValue: parts[0].lowercased()) else {
                throw .invalidGrid("\"\(item)\": expected AXIS=V1,V2,… with AXIS one of \(Axis.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard !axes.contains(where: { $0.axis == axis }) else { throw .invalidGrid("\(axis.rawValue) is given twice") }
            let values = parts[1].split(separator: ",").map(String.init)
            guard !values.isEmpty else { throw .invalidGrid("\(axis.rawValue)=: no values") }
            axes.append((axis, values))
        }
        var points: [SearchSettings] = [base]
        for (axis, values) in axes {
            var next: [SearchSettings] = []
            for point in points {
                for value in values {
                    var changed = point
                    try changed.set(axis, to: value)
                    next.append(changed)
                }
            }
            points = next
        }
        var seen = Set<SearchSettings>()
        self.axes = axes
        self.points = points.map(\.effective).filter { seen.insert($0).inserted }
    }

    /// The axes whose value differs between points (the table's leading columns).
    public var varyingAxes: [Axis] {
        Axis.allCases.filter { axis in Set(points.map { $0.value(of: axis) }).count > 1 }
    }

    /// A Markdown table: one row per point, its varying settings, nDCG@10 per collection, the mean nDCG@10 and
    /// the mean Recall@100; the best mean nDCG@10 in bold, "·" where a setting does not apply. `results[i][name]` is point i on collection `name`.
    public func table(collections: [String], results: [[String: EvaluationReport]]) -> String {
        let axes = varyingAxes
        let fixed = Axis.allCases.filter { !axes.contains($0) }.map { "\($0.rawValue)=\(points.first?.value(of: $0) ?? "")" }
        var lines = ["settings for every row: " + fixed.joined(separator: " "), ""]
        lines.append("| " + (axes.map(\.rawValue) + collections + ["mean nDCG@10", "mean R@100"]).joined(separator: " | ") + " |")
        lines.append("|" + String(repeating: "---|", count: axes.count + collections.count + 2))
        let means = results.map { row in collections.map { row[$0]?.ndcg10 ?? 0 }.reduce(0, +) / Double(max(collections.count, 1)) }
        let best = means.max()
        for (i, point) in points.enumerated() where i < results.count {
            let scores = collections.map { results[i][$0].map { String(format: "%.4f", $0.ndcg10) } ?? "—" }
            let recall = collections.map { results[i][$0]?.recall100 ?? 0 }.reduce(0, +) / Double(max(collections.count, 1))
            let mean = String(format: "%.4f", means[i])
            lines.append("| " + (axes.map { point.uses($0) ? point.value(of: $0) : "·" } + scores + [means[i] == best ? "**\(mean)**" : mean,
                                                                            String(format: "%.4f", recall)]).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
