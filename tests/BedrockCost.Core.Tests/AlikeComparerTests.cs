using System.Reflection;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Cur;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The engine sums rows alike in all but their amounts before the aggregator. A LineItem field the comparer forgets
/// would merge rows that differ in it (a payer account, a tag, a model) into one group: every field is checked here.
/// </summary>
public class AlikeComparerTests
{
    private static readonly string[] Amounts = { nameof(LineItem.UsageAmount), nameof(LineItem.UnblendedCost), nameof(LineItem.NetUnblendedCost), nameof(LineItem.Count) };

    private static LineItem Item() => new()
    {
        BillingPeriod = "2026-05", UsageStart = new DateTime(2026, 5, 2, 0, 0, 0, DateTimeKind.Utc), Account = "111122223333",
        PayerAccount = "999988887777", LineItemType = "Usage", ProductCode = "AmazonBedrock", UsageType = "USE1-Claude4.6Sonnet-input-tokens",
        Principal = "arn:aws:iam::111122223333:user/ana", Currency = "USD", PricingUnit = "1K tokens", ProductRegion = "us-east-1",
        ProductModel = "Claude Sonnet 4.6", Model = "Claude Sonnet 4.6", Marketplace = false, PrincipalData = default,
        Tags = new[] { "team-a", "cc-1" }, UsageAmount = 1m, UnblendedCost = 2m, NetUnblendedCost = 1.5m,
    };

    public static TheoryData<string> Fields()
    {
        var data = new TheoryData<string>();
        foreach (var f in typeof(LineItem).GetFields(BindingFlags.Public | BindingFlags.Instance))
            if (!Amounts.Contains(f.Name)) data.Add(f.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Items_that_differ_in_any_field_but_the_amounts_are_not_summed_together(string field)
    {
        var a = Item();
        object boxed = a;
        var f = typeof(LineItem).GetField(field)!;
        f.SetValue(boxed, Other(f.FieldType, f.GetValue(boxed)));
        var b = (LineItem)boxed;
        Assert.False(CurFileRead.AlikeComparer.Instance.Equals(a, b), $"items differing in {field} must not be summed together");
    }

    [Fact]
    public void Items_that_differ_only_in_their_amounts_are_summed_together()
    {
        var a = Item();
        var b = a;
        b.UsageAmount = 7m; b.UnblendedCost = 8m; b.NetUnblendedCost = 9m; b.Count = 3;
        Assert.True(CurFileRead.AlikeComparer.Instance.Equals(a, b));
        Assert.Equal(CurFileRead.AlikeComparer.Instance.GetHashCode(a), CurFileRead.AlikeComparer.Instance.GetHashCode(b));
    }

    private static object? Other(Type type, object? value) => value switch
    {
        string s => s + "-other",
        null when type == typeof(string) => "other",
        DateTime d => d.AddDays(1),
        bool x => !x,
        string?[] tags => tags.Select((t, i) => i == 0 ? t + "-other" : t).ToArray(),
        Enum e => Enum.GetValues(type).Cast<object>().First(v => !v.Equals(e)),
        _ => throw new InvalidOperationException($"The test does not know how to change a {type.Name}: teach it, and the comparer."),
    };
}
