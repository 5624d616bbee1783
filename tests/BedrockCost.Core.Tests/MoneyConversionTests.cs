using System.Globalization;
using BedrockCost.Core.Cur;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The one double-to-decimal conversion of the readers (RowRules.ToMoney) gives the decimal of the double's
/// shortest round-trip digits, digit for digit: the truth is .NET's own "R" text read by decimal.Parse, for doubles
/// of every magnitude the data can hold and on each side of the conversion's fast path (15 digits, scale 22, 1e15).
/// </summary>
public class MoneyConversionTests
{
    private static decimal Shortest(double v) =>
        decimal.Parse(v.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);

    public static TheoryData<double, string> Known => new()
    {
        { 0.30000000000000004, "0.30000000000000004" },
        { 0.1 * 3, "0.30000000000000004" },
        { 0.1, "0.1" },
        { 1.2345678901234567, "1.2345678901234567" },
        { 123456.78901234567, "123456.78901234567" },
        { -12.345678901234567, "-12.345678901234567" },
        { 0.0123456789012345678, "0.012345678901234568" },
        { 1.2345678901234567e-5, "0.000012345678901234568" },
        { 3e-6 * 1234, "0.003702" },
        { 3e-6 * 1238, "0.0037140000000000003" },
        { 0.0008 * 1240 * 0.95, "0.9423999999999999" },
        { 999999999999999.9, "999999999999999.9" },
        { 1e15, "1000000000000000" },
        { 1.2345678901234567e17, "123456789012345660" },
        { 100, "100" },
        { 0, "0" },
        { -0.0, "0" },
        { 1e-30, "0.0000000000000000000000000000" },
    };

    [Theory]
    [MemberData(nameof(Known))]
    public void A_double_becomes_the_decimal_of_its_shortest_digits(double value, string expected)
    {
        Assert.Equal(expected, RowRules.ToMoney(value).ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Shortest(value), RowRules.ToMoney(value));
    }

    [Fact]
    public void Doubles_of_every_magnitude_match_their_shortest_digits()
    {
        var rng = new Random(20261130);
        var rates = new[] { 3e-6, 15e-6, 0.0008, 0.0032, 0.000125, 0.00006, 23.5, 0.0895, 2.5e-7, 0.95 };
        var checkedValues = 0;
        var slow = 0;
        for (var i = 0; i < 200_000; i++)
        {
            // Usage x price, as billing computes it, and random doubles from 1e-12 to 1e18 (both signs).
            var v = i % 2 == 0
                ? rng.Next(1, 5_000_000) * rates[rng.Next(rates.Length)] * (rng.Next(4) == 0 ? 0.95 : 1)
                : (rng.Next(2) == 0 ? -1 : 1) * Math.Pow(10, rng.NextDouble() * 30 - 12);
            var expected = Shortest(v);
            var actual = RowRules.ToMoney(v);
            Assert.True(expected == actual && expected.Scale == actual.Scale, $"{v:R}: {actual} instead of {expected}");
            checkedValues++;
            if ((double)(decimal)v != v) slow++;
        }
        // Both paths were taken: values the 15-digit cast gets right, and values it does not.
        Assert.InRange(slow, checkedValues / 10, checkedValues - checkedValues / 10);
    }

    [Fact]
    public void Near_the_fast_paths_limits_the_digits_are_still_the_shortest()
    {
        foreach (var start in new[] { 1e15, 1e-7, 1e-6, 1e-8, 9.007199254740992e15, 1e-10, 0.5, 1.0, 10.0 })
        {
            var v = start;
            for (var step = 0; step < 2000; step++)
            {
                Assert.Equal(Shortest(v), RowRules.ToMoney(v));
                Assert.Equal(Shortest(-v), RowRules.ToMoney(-v));
                v = step < 1000 ? Math.BitIncrement(v) : Math.BitDecrement(Math.BitDecrement(v));
            }
        }
    }
}
