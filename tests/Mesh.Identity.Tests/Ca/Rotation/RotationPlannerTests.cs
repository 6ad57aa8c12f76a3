using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

/// <summary>The pure "when" of a rotation: each phase and the moment it may end.</summary>
public sealed class RotationPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Publish = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxTtl = TimeSpan.FromHours(24);
    private static readonly KeyPairFiles Files = new("c.pem", "k.pem");

    public static TheoryData<string> Scenarios => new(Cases.Keys);

    private static Dictionary<string, (RotationRecord? Rotation, TimeSpan Elapsed, string Expected)> Cases => new()
    {
        ["idle stays idle"] = (null, TimeSpan.FromDays(400), "Wait"),
        ["requested prepares at once"] = (new(RotationKind.Root, RotationPhase.Requested, T0), TimeSpan.Zero, "Prepare"),
        ["root prepared waits for publishBeforeActivate"] = (new(RotationKind.Root, RotationPhase.Prepared, T0, T0), Publish - TimeSpan.FromSeconds(1), "Wait"),
        ["root prepared activates after publishBeforeActivate"] = (new(RotationKind.Root, RotationPhase.Prepared, T0, T0), Publish, "Activate"),
        ["intermediate prepared activates at once (bundle unchanged)"] = (new(RotationKind.Intermediate, RotationPhase.Prepared, T0, T0), TimeSpan.Zero, "Activate"),
        ["active waits while leaves under the old key may live"] = (new(RotationKind.Root, RotationPhase.Active, T0, T0, T0), MaxTtl + RotationPlanner.RetireMargin - TimeSpan.FromSeconds(1), "Wait"),
        ["active retires after maxTtl + margin"] = (new(RotationKind.Intermediate, RotationPhase.Active, T0, T0, T0), MaxTtl + RotationPlanner.RetireMargin, "Retire"),
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Next_step(string scenario)
    {
        var (rotation, elapsed, expected) = Cases[scenario];
        var journal = new CaJournal(CaJournal.CurrentVersion, Files, Files, Rotation: rotation);

        var step = RotationPlanner.Next(journal, T0 + elapsed, Publish, MaxTtl);

        Assert.True(expected == step.GetType().Name, $"{scenario}: got {step}");
    }

    [Fact]
    public void Wait_reports_when_the_next_phase_is_due()
    {
        var journal = new CaJournal(CaJournal.CurrentVersion, Files, Files, Rotation: new(RotationKind.Root, RotationPhase.Prepared, T0, T0));

        var step = Assert.IsType<RotationStep.Wait>(RotationPlanner.Next(journal, T0, Publish, MaxTtl));

        Assert.Equal(T0 + Publish, step.DueAt);
        Assert.Equal("root:prepared", journal.StateText);
    }
}
