using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;

namespace BedrockCost.Core.Sources.CostExplorer;

/// <summary>A tag key Cost Explorer refused to update, with its reason.</summary>
public sealed record TagUpdateError(string TagKey, string Code, string Message);

/// <summary>Lists and activates cost allocation tags; principal tags are the keys starting with iamPrincipal/.</summary>
public static class CostAllocationTags
{
    /// <summary>Most keys UpdateCostAllocationTagsStatus takes per call.</summary>
    public const int UpdateBatch = 20;

    /// <param name="keyPatterns">Wildcard patterns of tag keys (bare keys mean iamPrincipal/KEY); empty = every iamPrincipal/ key.</param>
    /// <param name="status">Active or Inactive, or null for both.</param>
    public static async Task<IReadOnlyList<PrincipalTag>> ListAsync(AwsJsonClient client, IReadOnlyList<string> keyPatterns, string? status, CancellationToken ct)
    {
        var patterns = keyPatterns.Count == 0 ? new[] { TagKeys.PrincipalPrefix + "*" } : keyPatterns.Select(TagKeys.Qualify).ToArray();
        var match = new WildcardSet(patterns);
        var exact = patterns.All(p => p.IndexOfAny(new[] { '*', '?', '[' }) < 0);
        var list = new List<PrincipalTag>();
        string? token = null;
        do
        {
            var req = new JsonObject { ["MaxResults"] = 1000 };
            // Exact keys go to the API (at most 100 per call); patterns are matched here.
            if (exact && patterns.Length <= 100) req["TagKeys"] = new JsonArray(patterns.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray());
            if (status is not null) req["Status"] = status;
            if (token is not null) req["NextToken"] = token;
            var res = await client.InvokeAsync("ListCostAllocationTags", req, ct).ConfigureAwait(false);
            if (res.TryGetProperty("CostAllocationTags", out var tags))
                foreach (var t in tags.EnumerateArray())
                {
                    var tag = new PrincipalTag
                    {
                        TagKey = Str(t, "TagKey") ?? string.Empty,
                        Status = Str(t, "Status") ?? string.Empty,
                        Type = Str(t, "Type") ?? string.Empty,
                        LastUpdatedDate = Date(Str(t, "LastUpdatedDate")),
                        LastUsedDate = Date(Str(t, "LastUsedDate")),
                    };
                    if (match.IsMatch(tag.TagKey)) list.Add(tag);
                }
            token = res.TryGetProperty("NextToken", out var n) && n.GetString() is { Length: > 0 } s ? s : null;
        } while (token is not null);
        return list.OrderBy(t => t.TagKey, StringComparer.Ordinal).ToList();
    }

    /// <summary>Activates the keys (batches of 20); returns the keys Cost Explorer refused.</summary>
    public static async Task<IReadOnlyList<TagUpdateError>> ActivateAsync(AwsJsonClient client, IReadOnlyList<string> tagKeys, CancellationToken ct)
    {
        var errors = new List<TagUpdateError>();
        foreach (var batch in tagKeys.Distinct(StringComparer.Ordinal).Chunk(UpdateBatch))
        {
            var req = new JsonObject
            {
                ["CostAllocationTagsStatus"] = new JsonArray(batch.Select(k => (JsonNode)new JsonObject { ["TagKey"] = k, ["Status"] = "Active" }).ToArray()),
            };
            var res = await client.InvokeAsync("UpdateCostAllocationTagsStatus", req, ct).ConfigureAwait(false);
            if (res.TryGetProperty("Errors", out var errs))
                foreach (var e in errs.EnumerateArray())
                    errors.Add(new TagUpdateError(Str(e, "TagKey") ?? string.Empty, Str(e, "Code") ?? string.Empty, Str(e, "Message") ?? string.Empty));
        }
        return errors;
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTime? Date(string? s) =>
        DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d) ? d : null;
}
