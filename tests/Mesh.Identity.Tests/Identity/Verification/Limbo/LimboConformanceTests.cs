using System.Diagnostics;
using System.Security.Cryptography;
using Xunit.Abstractions;

namespace Mesh.Identity.Tests.Verification.Limbo;

/// <summary>
/// Issue #4: peer path validation (ChainVerifier: the bundle as the only roots, no revocation or
/// AIA, at the case's validation_time, plus the signing-certificate profile) agrees with
/// x509-limbo on every case whose features it supports. Which cases are out of scope, and why,
/// is <see cref="LimboScope"/>.
/// </summary>
public sealed class LimboConformanceTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Path_validation_agrees_with_x509_limbo()
    {
        Skip.If(TestData.Root is null, TestData.MissingReason);
        var cases = LimboCase.Load(TestData.Path("pki", "x509-limbo", "limbo.json"));

        var disagreements = new List<string>();
        var skipped = new Dictionary<string, List<string>>();
        var agreed = 0;
        foreach (var c in cases)
        {
            if (LimboScope.SkipReason(c) is { } reason)
            {
                (skipped.TryGetValue(reason, out var ids) ? ids : skipped[reason] = []).Add(c.Id);
                continue;
            }

            var (ok, detail) = Validate(c);
            if (ok == c.ExpectSuccess)
            {
                agreed++;
            }
            else
            {
                disagreements.Add(c.Id);
                output.WriteLine($"  {(LimboScope.KnownDisagreements.ContainsKey(c.Id) ? "known" : "NEW")} disagreement {c.Id}: limbo expects {(c.ExpectSuccess ? "SUCCESS" : "FAILURE")}, we said {(ok ? "SUCCESS" : "FAILURE: " + detail)}");
            }
        }

        var inScope = agreed + disagreements.Count;
        output.WriteLine($"x509-limbo: {cases.Count} cases, {inScope} in scope, {agreed} agree ({100.0 * agreed / inScope:F1}%), {cases.Count - inScope} skipped");
        foreach (var (reason, ids) in skipped.OrderByDescending(s => s.Value.Count))
        {
            output.WriteLine($"  skipped {ids.Count,3}: {reason}");
        }

        Assert.Equal(LimboScope.KnownDisagreements.Keys.Order(StringComparer.Ordinal), disagreements.Order(StringComparer.Ordinal));

        // The scope is pinned, so a change to LimboScope or to the data shows up here.
        Assert.Equal(LimboScope.ExpectedInScope, inScope);
    }

    private static (bool Ok, string? Detail) Validate(LimboCase c)
    {
        try
        {
            using var leaf = c.Leaf();
            var roots = c.Roots();
            var intermediates = c.Intermediates();
            if (LimboScope.LeafProfileCases.Contains(c.Id) && SvidProfile.CheckLeaf(X509Facts.Of(leaf)) is { Count: > 0 } problems)
            {
                return (false, string.Join("; ", problems));
            }

            var error = ChainVerifier.Verify(leaf, intermediates, roots, c.ValidationTime ?? DateTimeOffset.UtcNow);
            return (error is null, error);
        }
        catch (CryptographicException ex)
        {
            // A certificate the platform cannot even load is a refusal, as it would be in a handshake.
            return (false, "unparseable: " + ex.Message);
        }
    }
}
