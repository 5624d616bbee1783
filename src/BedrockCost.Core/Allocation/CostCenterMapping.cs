using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BedrockCost.Core.Aggregation;
using CsvHelper;

namespace BedrockCost.Core.Allocation;


/// <summary>What a mapping rule's pattern is matched against.</summary>
public enum MappingMatch { Principal, Role, Person }

/// <summary>One mapping rule: a wildcard pattern on the principal ARN, role or person, to a cost centre.</summary>
public sealed class CostCenterRule
{
    public string Pattern { get; init; } = string.Empty;
    public MappingMatch Match { get; init; }
    public string CostCenter { get; init; } = string.Empty;
    public string? Owner { get; init; }
    public decimal? MonthlyBudget { get; init; }
    /// <summary>1-based position in the file (data row or array element), for messages.</summary>
    public int Position { get; init; }
    internal Regex Regex { get; init; } = null!;
}

/// <summary>
/// A cost-centre mapping file (CSV or JSON). Fields: Pattern (wildcards * ? [..]), Match (Principal | Role |
/// Person, default Principal), CostCenter, and optional Owner and MonthlyBudget. The first rule that matches,
/// in file order, wins. Owner and budget of a cost centre come from the first rule of that cost centre that
/// gives them, whether or not that rule matched anything.
/// </summary>
public sealed class CostCenterMapping
{
    public CostCenterMapping(IReadOnlyList<CostCenterRule> rules, string? source = null)
    {
        Rules = rules;
        Source = source;
    }

    public IReadOnlyList<CostCenterRule> Rules { get; }
    public string? Source { get; }

    public static readonly CostCenterMapping Empty = new(Array.Empty<CostCenterRule>());

    /// <summary>The first rule matching the principal, or null. Cost without a principal never matches.</summary>
    public CostCenterRule? Find(string? principal, string? role, string? person)
    {
        foreach (var rule in Rules)
        {
            var value = rule.Match switch
            {
                MappingMatch.Role => role,
                MappingMatch.Person => person,
                _ => principal,
            };
            if (IsReal(value) && rule.Regex.IsMatch(value!)) return rule;
        }
        return null;
    }

    /// <summary>
    /// The cost centre of a cost row, in order of precedence: the first matching rule, then the value of
    /// <paramref name="costCenterTag"/>, else null; with how it was assigned ("Mapping" or "Tag").
    /// </summary>
    public (string? CostCenter, string AssignedBy) CostCenterOf(PrincipalCost row, string? costCenterTag)
    {
        if (row.IsAttributed && Find(row.Principal, row.Role, row.Person) is { } rule)
            return (rule.CostCenter, "Mapping");
        if (costCenterTag is not null && row.Tags.TryGetValue(costCenterTag, out var value) &&
            !string.IsNullOrWhiteSpace(value) && value != Aggregator.Untagged)
            return (value, "Tag");
        return (null, string.Empty);
    }

    /// <summary>The group name of cost centre rows (a tag-like dimension: <see cref="PrincipalCost.Tags"/>[CostCenter]).</summary>
    public const string CostCenterKey = "CostCenter";

    /// <summary>
    /// The same cost rows with the cost centre as their only group dimension (Day, Model and TokenType kept), so
    /// per-day insights can be computed per cost centre. Cost with no cost centre goes to "(unallocated)".
    /// </summary>
    public IReadOnlyList<PrincipalCost> ByCostCenter(IEnumerable<PrincipalCost> rows, string? costCenterTag)
    {
        var groupBy = new[] { CostCenterKey };
        return rows.Select(r => new PrincipalCost
        {
            BillingPeriod = r.BillingPeriod,
            Model = r.Model,
            TokenType = r.TokenType,
            Day = r.Day,
            Month = r.Month,
            Tags = new Dictionary<string, string>(StringComparer.Ordinal) { [CostCenterKey] = CostCenterOf(r, costCenterTag).CostCenter ?? ChargebackLine.UnallocatedCostCenter },
            UnattributedReason = r.UnattributedReason,
            Cost = r.Cost,
            UnblendedCost = r.UnblendedCost,
            NetUnblendedCost = r.NetUnblendedCost,
            CostBasis = r.CostBasis,
            Currency = r.Currency,
            InputTokens = r.InputTokens,
            OutputTokens = r.OutputTokens,
            CacheReadTokens = r.CacheReadTokens,
            CacheWriteTokens = r.CacheWriteTokens,
            LineItemCount = r.LineItemCount,
            Source = r.Source,
            GroupBy = groupBy,
        }).ToList();
    }

    private static bool IsReal(string? v) => !string.IsNullOrEmpty(v) && v != Aggregator.Unattributed && v != Aggregator.None;

    public string? OwnerOf(string costCenter) =>
        Rules.FirstOrDefault(r => r.CostCenter == costCenter && !string.IsNullOrEmpty(r.Owner))?.Owner;

    public decimal? MonthlyBudgetOf(string costCenter) =>
        Rules.FirstOrDefault(r => r.CostCenter == costCenter && r.MonthlyBudget is not null)?.MonthlyBudget;

    private const long MaxFileBytes = 16 << 20;

    /// <summary>Loads a mapping file: JSON when it ends in .json or starts with [ or {, CSV otherwise.</summary>
    public static CostCenterMapping Load(string path)
    {
        if (!File.Exists(path))
            throw new BedrockCostException(ErrorIds.MappingFileNotFound, ErrorKind.NotFound,
                $"Cannot find the cost-centre mapping file '{path}'.", path);
        byte[] bytes;
        try
        {
            // A mapping file is rules typed by people: refused beyond a size no such file reaches, before it is read.
            if (new FileInfo(path).Length > MaxFileBytes)
                throw new BedrockCostException(ErrorIds.MappingFileInvalid, ErrorKind.InvalidData,
                    $"The cost-centre mapping file '{path}' is larger than {MaxFileBytes / (1 << 20)} MiB, more than a mapping file can be: it was not read.", path);
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BedrockCostException(ErrorIds.MappingFileInvalid, ErrorKind.InvalidData,
                $"Cannot read the cost-centre mapping file '{path}': {e.Message}", path, e);
        }
        var text = System.Text.Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF');
        var json = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('[') || text.TrimStart().StartsWith('{');
        return json ? ParseJson(text, path) : ParseCsv(text, path);
    }

    public static CostCenterMapping ParseJson(string text, string source = "mapping")
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e)
        {
            throw Invalid(source, $"it is not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && TryGet(root, "rules", out var r)) root = r;
            if (root.ValueKind != JsonValueKind.Array)
                throw Invalid(source, "expected a JSON array of rules, or an object with a \"rules\" array");
            var rules = new List<CostCenterRule>();
            var i = 0;
            foreach (var e in root.EnumerateArray())
            {
                i++;
                if (e.ValueKind != JsonValueKind.Object) throw RuleInvalid(source, i, "is not a JSON object");
                string? S(string name) => TryGet(e, name, out var v) ? v.ValueKind switch
                {
                    JsonValueKind.String => v.GetString(),
                    JsonValueKind.Number => v.GetRawText(),
                    JsonValueKind.Null => null,
                    _ => throw RuleInvalid(source, i, $"has a {v.ValueKind} for '{name}' where text was expected"),
                } : null;
                // A "\uD800" escape alone is valid JSON but no text (System.Text.Json refuses to make a string of it).
                try { rules.Add(Rule(source, i, S("Pattern"), S("Match"), S("CostCenter"), S("Owner"), S("MonthlyBudget"))); }
                catch (InvalidOperationException) { throw RuleInvalid(source, i, "holds text with an invalid character (a lone UTF-16 surrogate escape such as \\uD800)"); }
            }
            return new CostCenterMapping(rules, source);
        }
    }

    private static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var p in obj.EnumerateObject())
            if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) { value = p.Value; return true; }
        value = default;
        return false;
    }

    public static CostCenterMapping ParseCsv(string text, string source = "mapping")
    {
        try
        {
            using var csv = CsvReader.Create(new StringReader(text), CsvReaderOptions.Default with { TrimWhitespace = true, CommentPrefix = '#' });
            int Col(string name) => csv.TryGetFieldIndex(name, out var i) ? i : -1;
            csv.ReadHeader();
            int pattern = Col("Pattern"), match = Col("Match"), cc = Col("CostCenter"), owner = Col("Owner"), budget = Col("MonthlyBudget");
            if (pattern < 0 || cc < 0)
                throw Invalid(source, $"the CSV header must have the columns Pattern and CostCenter (optional: Match, Owner, MonthlyBudget); found: {string.Join(", ", csv.Headers.ToArray())}");
            var rules = new List<CostCenterRule>();
            while (csv.Read())
            {
                string? F(int i) => i < 0 ? null : csv.GetString(i);
                rules.Add(Rule(source, (int)csv.RowNumber, F(pattern), F(match), F(cc), F(owner), F(budget)));
            }
            return new CostCenterMapping(rules, source);
        }
        catch (CsvFormatException e)
        {
            throw Invalid(source, $"it is not valid CSV ({e.Message})", e);
        }
    }

    private static CostCenterRule Rule(string source, int position, string? pattern, string? match, string? costCenter, string? owner, string? budget)
    {
        if (string.IsNullOrWhiteSpace(pattern)) throw RuleInvalid(source, position, "has no Pattern");
        if (string.IsNullOrWhiteSpace(costCenter)) throw RuleInvalid(source, position, "has no CostCenter");
        var kind = MappingMatch.Principal;
        if (!string.IsNullOrWhiteSpace(match) && (!Enum.TryParse(match.Trim(), ignoreCase: true, out kind) || int.TryParse(match, out _)))
            throw RuleInvalid(source, position, $"has Match '{match}': use Principal, Role or Person");
        decimal? monthly = null;
        if (!string.IsNullOrWhiteSpace(budget))
        {
            if (!decimal.TryParse(budget.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var b) || b < 0)
                throw RuleInvalid(source, position, $"has MonthlyBudget '{budget}': use a number of at least 0 with '.' as the decimal point");
            monthly = b;
        }
        Regex regex;
        try { regex = WildcardSet.ToRegex(pattern.Trim()); }
        catch (ArgumentException) { throw RuleInvalid(source, position, $"has Pattern '{Printable.Of(pattern, 80)}', which is not a valid wildcard (a [...] range in reverse order?)"); }
        return new CostCenterRule
        {
            Pattern = pattern.Trim(),
            Match = kind,
            CostCenter = costCenter.Trim(),
            Owner = string.IsNullOrWhiteSpace(owner) ? null : owner.Trim(),
            MonthlyBudget = monthly,
            Position = position,
            Regex = regex,
        };
    }

    private static BedrockCostException Invalid(string source, string why, Exception? inner = null) =>
        new(ErrorIds.MappingFileInvalid, ErrorKind.InvalidData, $"The cost-centre mapping file '{source}' is not usable: {why}.", source, inner);

    private static BedrockCostException RuleInvalid(string source, int position, string why) =>
        new(ErrorIds.MappingRuleInvalid, ErrorKind.InvalidData, $"Rule {position} of the cost-centre mapping file '{source}' {why}.", source);
}
