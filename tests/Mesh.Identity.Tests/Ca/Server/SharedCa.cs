namespace Mesh.Identity.Tests.Ca;

/// <summary>One CA for the tests that only need to talk to it.</summary>
public sealed class SharedCa : IAsyncLifetime
{
    internal CaHarness Ca { get; private set; } = null!;

    public async Task InitializeAsync() => Ca = await CaHarness.StartAsync();

    public async Task DisposeAsync() => await Ca.DisposeAsync();
}
