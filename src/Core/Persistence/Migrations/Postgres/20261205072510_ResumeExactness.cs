using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DistillService.Core.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ResumeExactness : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "ResumeExact",
                table: "jobs",
                type: "boolean",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ResumeNote",
                table: "jobs",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ResumeExact",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "ResumeNote",
                table: "jobs");
        }
    }
}
