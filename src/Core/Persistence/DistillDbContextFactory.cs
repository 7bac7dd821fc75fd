using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Persistence;

/// <summary>Hands out the configured provider's context as the provider-neutral <see cref="DistillDbContext"/>.</summary>
internal sealed class DistillDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<DistillDbContext>
    where TContext : DistillDbContext
{
    public DistillDbContext CreateDbContext() => inner.CreateDbContext();
}
