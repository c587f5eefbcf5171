import Foundation

/// Self-contained HTML: one file, inline CSS and SVG, no script and no external resource, printable. Every chart
/// mark carries `data-key` and `data-value`, and the table behind the chart has a cell with the same key and
/// value, so a browser check can confirm that charts and tables agree (scripts/check-html.sh).
public enum HTML {
    /// `text` safe in HTML text and in quoted attribute values: the one escaping of every page, the reports' and the
    /// server's.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A number in an attribute: full precision, so checks compare exactly what was drawn.
    static func attribute(_ value: Double) -> String { value.isFinite ? String(value) : "0" }

    /// A whole page: its parts, rendered standalone (a report file) or served (the dashboard).
    static func page(title: String, subtitle: [String], sections: [String]) -> HTMLDocument {
        HTMLDocument(title: title, subtitle: subtitle, sections: sections)
    }

    /// The pages' stylesheet: inline in a report file, served at one address by the server (whose Content-Security-Policy
    /// allows no inline style).
    public static let stylesheet = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccd3da; }
        p.meta { color: #4a5866; margin: .2rem 0; }
        table { border-collapse: collapse; margin: .6rem 0 1.2rem; font-variant-numeric: tabular-nums; }
        th, td { padding: .25rem .6rem; border-bottom: 1px solid #e3e8ed; text-align: left; vertical-align: top; }
        td.n, th.n { text-align: right; }
        th { background: #f3f5f7; font-weight: 600; }
        svg { max-width: 100%; height: auto; display: block; margin: .6rem 0; }
        svg text { font: 11px system-ui, sans-serif; fill: #1d2733; }
        .better { color: #1a7f37; } .worse { color: #b42318; }
        .legend span { display: inline-block; margin-right: 1rem; }
        section { break-inside: avoid-page; }
        @media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } table { break-inside: auto; } tr { break-inside: avoid; } }
        nav.site { border-bottom: 1px solid #ccd3da; padding: .4rem 0; margin-bottom: 1rem; }
        nav.site a { margin-right: 1rem; } nav.site form { display: inline; float: right; }
        .status { font-weight: 600; } .problem { color: #b42318; white-space: pre-wrap; }
        textarea { font: 12px/1.4 ui-monospace, monospace; width: 100%; }
        label.pick { display: block; }
        svg.swatch { display: inline-block; width: .9rem; height: .9rem; margin: 0 .3rem 0 0; vertical-align: -2px; }

        """

    /// A legend's colour swatch (an SVG square, so that no inline style is needed).
    static func swatch(_ colour: String) -> String {
        "<svg class=\"swatch\" viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"\(colour)\"/></svg>"
    }

    /// A table cell: its text, and the key and value a chart mark shares.
    struct Cell {
        var text: String
        var key: String?
        var value: Double?
        var numeric = false
        var cssClass: String?

        static func text(_ text: String) -> Cell { Cell(text: text, key: nil, value: nil) }

        static func number(_ text: String, key: String? = nil, value: Double? = nil, cssClass: String? = nil) -> Cell {
            Cell(text: text, key: key, value: value, numeric: true, cssClass: cssClass)
        }
    }

    static func table(_ headers: [String], _ rows: [[Cell]], caption: String? = nil) -> String {
        var out = "<table>"
        if let caption { out += "<caption>\(escape(caption))</caption>" }
        out += "<thead><tr>" + headers.enumerated().map { index, header in
            "<th\(index > 0 ? " class=\"n\"" : "")>\(escape(header))</th>"
        }.joined() + "</tr></thead><tbody>\n"
        for row in rows {
            out += "<tr>" + row.map { cell in
                var attributes = ""
                let classes = [cell.numeric ? "n" : nil, cell.cssClass].compactMap { $0 }
                if !classes.isEmpty { attributes += " class=\"\(classes.joined(separator: " "))\"" }
                if let key = cell.key { attributes += " data-key=\"\(escape(key))\"" }
                if let value = cell.value { attributes += " data-value=\"\(attribute(value))\"" }
                return "<td\(attributes)>\(escape(cell.text))</td>"
            }.joined() + "</tr>\n"
        }
        return out + "</tbody></table>"
    }

    /// Colours for series, distinguishable and printable.
    static let palette = ["#2f6db5", "#e07b28", "#3a9a5b", "#c23b3b", "#7d5bb5", "#8c6d46", "#d16fae", "#6b7785", "#b5b02f",
                          "#2fa7b5", "#4c4c9a", "#9a4c4c"]

    /// A linear scale from a domain to a range.
    struct Scale {
        let domain: (Double, Double)
        let range: (Double, Double)

        func callAsFunction(_ value: Double) -> Double {
            let span = domain.1 - domain.0
            guard span != 0 else { return (range.0 + range.1) / 2 }
            return range.0 + (value - domain.0) / span * (range.1 - range.0)
        }

        /// About `count` round tick values across the domain.
        func ticks(_ count: Int = 5) -> [Double] {
            let span = domain.1 - domain.0
            guard span > 0 else { return [domain.0] }
            let raw = span / Double(max(count, 1))
            let magnitude = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
            var ticks: [Double] = []
            var tick = ceil(domain.0 / step) * step
            while tick <= domain.1 + step * 1e-9 {
                ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
                tick += step
            }
            return ticks
        }
    }

    /// A chart's opening tag. `kind` says how scripts/check-html.sh measures its marks (`fan`: a dot's centre is
    /// `origin` + `factor` × its value; `bars`: a bar's height is `factor` × its value); `origin` nil for bars.
    static func chartOpen(id: String, width: Double, height: Double, kind: String, origin: Double?, factor: Double,
                          label: String) -> String
    {
        "<svg id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" data-chart=\"\(kind)\" "
            + (origin.map { "data-origin=\"\(attribute($0))\" " } ?? "")
            + "data-factor=\"\(attribute(factor))\" aria-label=\"\(escape(label))\">"
    }

    /// Horizontal grid lines at `y`'s ticks from `left` to `right`, each labelled at the left.
    static func horizontalGrid(_ y: Scale, left: Double, right: Double) -> String {
        y.ticks().map { tick in
            "<line x1=\"\(left)\" x2=\"\(right)\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\" stroke=\"#e3e8ed\"/>"
                + "<text x=\"\(left - 6)\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(format(tick))</text>"
        }.joined()
    }

    static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return (value / 1e6).formatted(significantDigits: 3) + "M" }
        if magnitude >= 1e4 { return (value / 1e3).formatted(significantDigits: 3) + "k" }
        return value.formatted(significantDigits: 3)
    }

    static func f(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// A report's page before it is written out: its title, the lines under it, and its sections (HTML, each value escaped).
public struct HTMLDocument: Sendable {
    /// The heading, unescaped.
    public let title: String
    /// Lines under the heading, unescaped.
    public let subtitle: [String]
    /// The sections' HTML.
    public let sections: [String]

    /// A page of `sections` (HTML, each value already escaped) under `title` and `subtitle` (unescaped).
    public init(title: String, subtitle: [String], sections: [String]) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }

    /// A table of `rows` (each cell text, escaped here) under `headers`, for pages other than the reports'.
    public static func table(_ headers: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        HTML.table(headers, rows.map { row in row.enumerated().map { numeric.contains($0.offset) ? .number($0.element) : .text($0.element) } })
    }

    /// One self-contained file: inline CSS and SVG, no script and no external resource, printable.
    public var standalone: String { render(head: "<style>\n\(HTML.stylesheet)</style>", header: "") }

    /// A page of a server whose stylesheet is at `stylesheet` (a path on the same server), `header` (HTML: the site's
    /// navigation) before the heading, and `head` (HTML: more of the head, such as a script of the same server).
    public func served(stylesheet: String, header: String, head: String = "") -> String {
        render(head: "<link rel=\"stylesheet\" href=\"\(HTML.escape(stylesheet))\">" + head, header: header)
    }

    func render(head: String, header: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="hospital-twin">
        <title>\(HTML.escape(title))</title>
        \(head)
        </head>
        <body>
        \(header)<h1>\(HTML.escape(title))</h1>
        \(subtitle.map { "<p class=\"meta\">\(HTML.escape($0))</p>" }.joined(separator: "\n"))
        \(sections.joined(separator: "\n"))
        </body>
        </html>

        """
    }
}
