using System.Text.Json;

namespace Mesh.Identity.Tests.Spiffe;

/// <summary>Every row of go-spiffe's own vectors, so .NET and Go agents agree on every ID and every error.</summary>
public sealed class SpiffeIdConformanceTests
{
    [SkippableFact]
    public void Every_row_of_spiffeid_cases_matches_go_spiffe()
    {
        Skip.If(TestData.Root is null, TestData.MissingReason);
        var lines = File.ReadAllLines(TestData.Path("pki", "spiffe", "spiffeid_cases.txt"));
        var section = "";
        var failures = new List<string>();
        var rows = 0;
        foreach (var raw in lines)
        {
            if (raw.StartsWith('#'))
            {
                if (raw.StartsWith("# ---- ", StringComparison.Ordinal))
                {
                    section = raw;
                }

                continue;
            }

            if (raw.Trim().Length == 0)
            {
                continue;
            }

            var cols = raw.Split('\t');
            Assert.True(cols.Length == 3, $"malformed row: {raw}");
            var (expectOk, input, expected) = (cols[0] == "OK", cols[1] == "<empty>" ? "" : cols[1], cols[2]);
            rows++;
            var isTrustDomainSection = section.Contains("TrustDomainFromString", StringComparison.Ordinal);
            var label = $"[{(isTrustDomainSection ? "TrustDomain" : "SpiffeId")}] {input}";

            bool ok;
            string? error;
            string actual;
            if (isTrustDomainSection)
            {
                ok = TrustDomain.TryParse(input, out var td, out error);
                actual = ok ? $"{td!.Name}|" : "";
            }
            else
            {
                ok = SpiffeId.TryParse(input, out var id, out error);
                actual = ok ? $"{id!.TrustDomain.Name}|{id.Path}" : "";
            }

            if (ok != expectOk)
            {
                failures.Add($"{label}: expected {(expectOk ? "OK" : "FAIL " + expected)}, got {(ok ? "OK " + actual : "FAIL " + error)}");
            }
            else if (ok && actual != expected)
            {
                failures.Add($"{label}: expected {expected}, got {actual}");
            }
            else if (!ok && !error!.Contains(expected, StringComparison.Ordinal))
            {
                failures.Add($"{label}: expected error containing '{expected}', got '{error}'");
            }
        }

        Assert.True(rows >= 40, $"only {rows} rows read; is the file truncated?");
        Assert.Empty(failures);
    }

    [SkippableFact]
    public void Every_case_of_the_charset_sweep_matches_go_spiffe()
    {
        Skip.If(TestData.Root is null, TestData.MissingReason);
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.Path("pki", "spiffe", "spiffeid_charset_sweep.json")));
        var failures = new List<string>();
        var count = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            count++;
            var api = c.GetProperty("api").GetString();
            var input = c.GetProperty("input").GetString()!;
            var expectOk = c.GetProperty("ok").GetBoolean();
            var e = c.GetProperty("expect");
            var expect = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var expectTd = e.ValueKind == JsonValueKind.Object ? e.GetProperty("trust_domain").GetString() : null;
            var expectPath = e.ValueKind == JsonValueKind.Object && e.TryGetProperty("path", out var p) ? p.GetString() : null;
            string? actualTd = null;
            string? actualPath = null;
            bool ok;
            string? error;
            switch (api)
            {
                case "IDFromString":
                    ok = SpiffeId.TryParse(input, out var id, out error);
                    (actualTd, actualPath) = (id?.TrustDomain.Name, id?.Path);
                    if (ok && id!.ToString() != input)
                    {
                        failures.Add($"{api} {Escape(input)}: round-trips as {Escape(id.ToString())}");
                    }

                    break;
                case "TrustDomainFromString":
                    ok = TrustDomain.TryParse(input, out var td, out error);
                    actualTd = td?.Name;
                    break;
                default:
                    failures.Add($"unknown api '{api}' in sweep; extend this test");
                    continue;
            }

            if (ok != expectOk)
            {
                failures.Add($"{api} {Escape(input)}: expected {(expectOk ? "OK" : "FAIL")}, got {(ok ? "OK" : "FAIL " + error)}");
            }
            else if (ok && (actualTd != expectTd || (expectPath is not null && actualPath != expectPath)))
            {
                failures.Add($"{api} {Escape(input)}: expected {expectTd}|{expectPath}, got {actualTd}|{actualPath}");
            }
            else if (!ok && expect is not null && !error!.Contains(expect, StringComparison.Ordinal))
            {
                failures.Add($"{api} {Escape(input)}: expected '{expect}', got '{error}'");
            }
        }

        Assert.Equal(805, count);
        Assert.Empty(failures);
    }

    private static string Escape(string s) => string.Concat(s.Select(ch => ch is < ' ' or > '~' ? $"\\u{(int)ch:x4}" : ch.ToString()));
}
