namespace BedrockCost.Core.Insights;

/// <summary>A day whose cost departs from the group's own recent baseline.</summary>
public sealed class CostAnomaly : CostGroup
{
    public CostAnomaly() { }
    internal CostAnomaly(PrincipalCost identity) : base(identity) { }

    /// <summary>The usage day (UTC midnight).</summary>
    public DateTime Date { get; init; }
    /// <summary>The day's cost.</summary>
    public decimal Cost { get; init; }
    /// <summary>The baseline: median of the trailing window (or of the same weekdays in it).</summary>
    public decimal ExpectedCost { get; init; }
    /// <summary>Cost minus ExpectedCost.</summary>
    public decimal Deviation { get; init; }
    /// <summary>Robust z-score: Deviation divided by the baseline's Spread. Positive for spikes.</summary>
    public double Score { get; init; }
    /// <summary>Spike or Drop.</summary>
    public string Direction { get; init; } = AnomalyDirection.Spike;
    /// <summary>Trailing (all days of the window) or Weekday (same weekday in the window).</summary>
    public string Baseline { get; init; } = "Trailing";
    /// <summary>Days of history the baseline was computed from.</summary>
    public int BaselineDays { get; init; }
    /// <summary>The spread used for the score (robust scale of the baseline's leave-one-out errors, floored).</summary>
    public decimal Spread { get; init; }
    /// <summary>Cost / ExpectedCost; null when nothing was expected.</summary>
    public double? Ratio => ExpectedCost == 0m ? null : Math.Round((double)(Cost / ExpectedCost), 2);
    /// <summary>The model and token-type changes that explain most of the deviation, largest first.</summary>
    public IReadOnlyList<MixChange> Changes { get; init; } = Array.Empty<MixChange>();
    /// <summary>One line: the top changes, for tables, messages and tickets.</summary>
    public string TopChanges => string.Join("; ", Changes.Select(c => c.ToString()));

    public override string ToString() =>
        $"{Date:yyyy-MM-dd} {Group}: {Cost:0.##} {Currency} (expected {ExpectedCost:0.##}, score {Score:0.#})";
}

public static class AnomalyDirection
{
    public const string Spike = "Spike";
    public const string Drop = "Drop";
}

/// <summary>How one model and token type contributed to an anomaly.</summary>
public sealed class MixChange
{
    public string Model { get; init; } = string.Empty;
    public string TokenType { get; init; } = string.Empty;
    public decimal Cost { get; init; }
    public decimal ExpectedCost { get; init; }
    public decimal Delta => Cost - ExpectedCost;

    public override string ToString() =>
        $"{Model} {TokenType} {(Delta >= 0 ? "+" : "-")}{Math.Abs(Delta):0.00} ({ExpectedCost:0.00} -> {Cost:0.00})";
}
