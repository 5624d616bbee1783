using System.Globalization;
using System.Text;

namespace BedrockCost.Core.Sources.Athena;

/// <summary>
/// Literals and identifiers for Trino SQL (Athena engine 3). Every value that comes from the user or the data
/// enters a statement through <see cref="Literal"/>; every name through <see cref="Identifier"/>. Nothing is
/// concatenated into SQL any other way.
/// </summary>
public static class SqlText
{
    /// <summary>
    /// A varchar literal: single quotes, an inner quote doubled. In Trino (as in standard SQL) that is the only
    /// escape: a backslash is an ordinary character, and any Unicode text may stand between the quotes.
    /// </summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0'))
            throw new BedrockCostException(ErrorIds.AthenaInvalidParameter, ErrorKind.InvalidArgument,
                "A value for the Athena query holds a NUL character, which SQL text cannot carry.", value.Replace("\0", "\\0"));
        return "'" + value.Replace("'", "''") + "'";
    }

    /// <summary>A timestamp literal (UTC, millisecond precision, as CUR timestamps are).</summary>
    public static string Timestamp(DateTime utc) =>
        "TIMESTAMP " + Literal(utc.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture));

    /// <summary>
    /// A quoted identifier for a catalog, database or table name given by the user. Names are checked first
    /// (<see cref="ValidateName"/>), so the quoting never has to escape anything; a double quote is doubled anyway.
    /// </summary>
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>
    /// Glue database, table and catalog names: letters, digits, underscore and hyphen, 1 to 255 characters
    /// (AWS Glue and Athena naming rules; Athena's own tables are lower case). Anything else is refused
    /// before it can reach a statement.
    /// </summary>
    public static string ValidateName(string? name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 255 || !name.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-'))
            throw new BedrockCostException(ErrorIds.AthenaInvalidParameter, ErrorKind.InvalidArgument,
                $"'{name}' is not a valid Athena {what} name: use 1 to 255 letters, digits, underscores or hyphens.", name);
        return name;
    }

    /// <summary>A comma-separated list of literals.</summary>
    public static string List(IEnumerable<string> values)
    {
        var sb = new StringBuilder();
        foreach (var v in values)
        {
            if (sb.Length > 0) sb.Append(", ");
            sb.Append(Literal(v));
        }
        return sb.ToString();
    }
}
