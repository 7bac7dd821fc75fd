using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DistillService.Core.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LossComponents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "LossComponentsJson",
                table: "epoch_metrics",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LossComponentsJson",
                table: "epoch_metrics");
        }
    }
}
