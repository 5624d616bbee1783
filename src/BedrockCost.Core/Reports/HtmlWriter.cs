using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BedrockCost.Core.Reports;

/// <summary>
/// Writes HTML (and inline SVG) so that data can only ever become text: element and attribute names are checked
/// against fixed lists, attribute values and text always go through <see cref="Encode"/>, and the only
/// unencoded content is the style sheet, a constant that may not close its element. There is no method that
/// writes raw markup, so a hostile tag value or session name cannot become markup. No scripts, no event
/// handlers, no URLs: the document needs no network. Values from the data go through <see cref="Value"/>: each in
/// its own bidirectional isolate (&lt;bdi&gt;), so a right-to-left override in a tag cannot reorder the text around it,
/// with its override characters shown as U+FFFD so that it cannot disguise itself either.
/// </summary>
public sealed partial class HtmlWriter
{
    private static readonly HashSet<string> Elements = new(StringComparer.Ordinal)
    {
        "html", "head", "meta", "title", "style", "body", "header", "footer", "main", "section", "h1", "h2", "h3", "p", "span",
        "div", "strong", "em", "small", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "ul", "li", "figure", "figcaption",
        "bdi", "wbr",
        "svg", "g", "rect", "line", "text", "title", "desc", "polyline",
    };

    private static readonly HashSet<string> VoidElements = new(StringComparer.Ordinal) { "meta", "wbr" };

    // Attribute names that could load or run something are refused whatever the caller passes.
    private static readonly HashSet<string> Forbidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "href", "xlink:href", "src", "srcset", "action", "formaction", "style", "srcdoc", "background", "poster", "data",
    };

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9-]*$")]
    private static partial Regex NamePattern();

    private readonly TextWriter _out;
    private readonly Stack<string> _open = new();

    public HtmlWriter(TextWriter output) => _out = output;

    public void Doctype() => _out.Write("<!DOCTYPE html>\n");

    /// <summary>Opens an element; attribute values are encoded, null values are left out.</summary>
    public HtmlWriter Open(string element, params (string Name, object? Value)[] attributes)
    {
        if (!Elements.Contains(element)) throw new ArgumentException($"Element '{element}' is not allowed.", nameof(element));
        _out.Write('<');
        _out.Write(element);
        foreach (var (name, value) in attributes)
        {
            if (!NamePattern().IsMatch(name) || Forbidden.Contains(name) || name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"Attribute '{name}' is not allowed.", nameof(attributes));
            if (value is null) continue;
            _out.Write(' ');
            _out.Write(name);
            _out.Write("=\"");
            _out.Write(Encode(Format(value)));
            _out.Write('"');
        }
        _out.Write('>');
        if (!VoidElements.Contains(element)) _open.Push(element);
        return this;
    }

    public HtmlWriter Close(string element)
    {
        if (_open.Count == 0 || _open.Peek() != element)
            throw new InvalidOperationException($"Closing <{element}> but <{(_open.Count == 0 ? "nothing" : _open.Peek())}> is open.");
        _open.Pop();
        _out.Write("</");
        _out.Write(element);
        _out.Write('>');
        if (element is not ("span" or "strong" or "em" or "small" or "text" or "title" or "td" or "th" or "bdi")) _out.Write('\n');
        return this;
    }

    /// <summary>Writes text, encoded.</summary>
    public HtmlWriter Text(string? text)
    {
        _out.Write(Encode(text));
        return this;
    }

    /// <summary>
    /// A value from the data, isolated: &lt;bdi&gt;text&lt;/bdi&gt;. With <paramref name="breakAtSeparators"/> (ARNs, paths),
    /// a line breaks only after a '/' or ':' (&lt;wbr&gt;): each part up to <see cref="UnbrokenPart"/> characters is kept
    /// whole (class "part", white-space: nowrap), so a long ARN wraps between its parts, not inside a name; a longer
    /// part may still break anywhere rather than push the page wider.
    /// </summary>
    public HtmlWriter Value(string? text, bool breakAtSeparators = false)
    {
        Open("bdi");
        if (!breakAtSeparators || string.IsNullOrEmpty(text)) Text(text);
        else
        {
            var start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                if (i < text.Length - 1 && text[i] is not ('/' or ':')) continue;
                var part = text[start..(i + 1)];
                if (part.Length <= UnbrokenPart) Open("span", ("class", "part")).Text(part).Close("span");
                else Text(part);
                if (i < text.Length - 1) Open("wbr");
                start = i + 1;
            }
        }
        return Close("bdi");
    }

    /// <summary>The longest part of an ARN kept on one line.</summary>
    public const int UnbrokenPart = 40;

    /// <summary>An element holding only text.</summary>
    public HtmlWriter Element(string element, string? text, params (string Name, object? Value)[] attributes) =>
        Open(element, attributes).Text(text).Close(element);

    /// <summary>The style sheet: a constant of the report; it may not contain '&lt;' so it cannot end the element.</summary>
    public HtmlWriter StyleSheet(string css)
    {
        if (css.Contains('<')) throw new ArgumentException("The style sheet may not contain '<'.", nameof(css));
        Open("style");
        _out.Write(css);
        return Close("style");
    }

    /// <summary>Checks that every element was closed.</summary>
    public void End()
    {
        if (_open.Count > 0) throw new InvalidOperationException($"<{_open.Peek()}> was not closed.");
    }

    /// <summary>HTML-encodes text for element content and quoted attribute values.</summary>
    public static string Encode(string? text)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                case '\t' or '\n' or '\r': sb.Append(c); break;
                // A left-to-right or right-to-left override would make the value read otherwise than it is ("exe.png").
                case '\u202D' or '\u202E': sb.Append('\uFFFD'); break;
                default:
                    if (!char.IsControl(c)) sb.Append(c); // control characters are not allowed in HTML text
                    break;
            }
        }
        return sb.ToString();
    }

    private static string Format(object value) => value switch
    {
        string s => s,
        decimal d => d.ToString("0.##", CultureInfo.InvariantCulture),
        double d => d.ToString("0.##", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
