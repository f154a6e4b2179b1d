import Foundation
import Mustache
import PapersCore
@testable import PapersServer

/// Walks a Mustache template against a sample model the way the renderer looks names up — the context stack from
/// the innermost section out, dotted names from the first match, `{{> partial}}` included in place — and reports
/// every name the model cannot answer.
///
/// Mustache renders an unknown name as nothing, so a renamed view-model field or a typo in a template is an empty
/// spot on a page, never an error. Rendering a sample cannot catch it (the output just lacks something); walking
/// every tag, false sections included, does. Lists in the sample must be non-empty so their items are checked.
struct TemplateKeyChecker {
    /// The source of a partial by name, nil when there is none.
    var partial: (String) -> String?
    /// "template: {{name}} …" for every name that does not resolve, each once, in the order found.
    var problems: [String] { found.elements }
    private var found = OrderedProblems()
    /// Every template and partial the walk entered.
    private(set) var visited: Set<String> = []

    init(partial: @escaping (String) -> String?) { self.partial = partial }

    /// Checks `source` (named `template` in messages) against `model`.
    mutating func check(_ template: String, source: String, model: Any) {
        walk(template, source: source, stack: [model])
    }

    /// A tag: its kind (`#`, `^`, `/`, `>`, `&` for triple or ampersand, `!`, or nothing) and name.
    struct Tag { var kind: Character?; var name: String }

    static func tags(_ source: String) -> [Tag] {
        var tags: [Tag] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            var after = rest[open.upperBound...]
            let triple = after.first == "{"
            if triple { after = after.dropFirst() }
            guard let close = after.range(of: triple ? "}}}" : "}}") else { break }
            var inside = after[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            var kind: Character? = triple ? "&" : nil
            if let first = inside.first, "#^/>&!".contains(first) {
                kind = first
                inside = String(inside.dropFirst()).trimmingCharacters(in: .whitespaces)
            }
            tags.append(Tag(kind: kind, name: inside))
            rest = after[close.upperBound...]
        }
        return tags
    }

    private mutating func walk(_ template: String, source: String, stack initial: [Any]) {
        visited.insert(template)
        var stack = initial
        // For each open section: whether it pushed a context.
        var pushed: [Bool] = []
        for tag in Self.tags(source) {
            switch tag.kind {
            case "!":
                continue
            case ">":
                guard let text = partial(tag.name) else {
                    found.append("\(template): {{> \(tag.name)}} names no template")
                    continue
                }
                walk(tag.name, source: text, stack: stack)
            case "/":
                if pushed.popLast() == true { stack.removeLast() }
            case "^":
                if resolve(tag.name, in: stack, template: template) == nil { found.append("\(template): {{^\(tag.name)}} is not in the model") }
                pushed.append(false)
            case "#":
                guard let value = resolve(tag.name, in: stack, template: template) else {
                    found.append("\(template): {{#\(tag.name)}} is not in the model")
                    pushed.append(false)
                    continue
                }
                if value is Bool || value is Missing {
                    pushed.append(false)
                } else if let list = value as? [Any] {
                    if let first = list.first {
                        stack.append(first)
                        pushed.append(true)
                    } else {
                        found.append("\(template): the sample's \(tag.name) is empty, so its items go unchecked")
                        pushed.append(false)
                    }
                } else {
                    stack.append(value)
                    pushed.append(true)
                }
            default:
                guard let value = resolve(tag.name, in: stack, template: template) else {
                    found.append("\(template): {{\(tag.name)}} is not in the model")
                    continue
                }
                // A struct printed into a page is a debugging description, never what was meant.
                // Typed row ids print as their number (CustomStringConvertible), which is what links want.
                if !(value is String || value is Substring || value is Int || value is Int64 || value is Double || value is Bool
                     || value is Missing || value is any RowIdentifier) {
                    found.append("\(template): {{\(tag.name)}} is a \(type(of: value)), not text")
                }
            }
        }
    }

    /// A field that exists but holds nil in the sample.
    struct Missing {}

    private func resolve(_ name: String, in stack: [Any], template: String) -> Any? {
        if name == "." { return stack.last }
        let parts = name.split(separator: ".").map(String.init)
        guard let first = parts.first else { return nil }
        for context in stack.reversed() {
            guard var value = Self.child(first, of: context) else { continue }
            for part in parts.dropFirst() {
                guard let next = Self.child(part, of: value) else { return nil }
                value = next
            }
            return value
        }
        return nil
    }

    /// `object`'s field `name` as the renderer finds it: by `MustacheComputed`'s names, a dictionary's keys, or
    /// `Mirror` labels; a nil optional is ``Missing`` (present, but nothing to look into).
    static func child(_ name: String, of object: Any) -> Any? {
        if object is Missing { return nil }
        if let computed = object as? any MustacheComputed {
            // Its own `child(named:)` is what the renderer asks; a stored field it forgets to answer is missing.
            if let value = computed.child(named: name) { return value }
            guard let field = Mirror(reflecting: object).children.first(where: { $0.label == name })?.value,
                  Mirror(reflecting: field).displayStyle == .optional else { return nil }
            return Missing()
        }
        if let dictionary = object as? [String: Any] { return dictionary[name] }
        if let parent = object as? any MustacheParent { return parent.child(named: name) }
        guard let field = Mirror(reflecting: object).children.first(where: { $0.label == name })?.value else { return nil }
        let mirror = Mirror(reflecting: field)
        guard mirror.displayStyle == .optional else { return field }
        return mirror.children.first?.value ?? Missing()
    }
}

/// Problems in the order found, each once (a partial included by many pages reports its mistake once).
struct OrderedProblems {
    private(set) var elements: [String] = []
    private var seen: Set<String> = []
    mutating func append(_ problem: String) {
        if seen.insert(problem).inserted { elements.append(problem) }
    }
}
