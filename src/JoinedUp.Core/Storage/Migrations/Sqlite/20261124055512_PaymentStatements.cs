using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JoinedUp.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PaymentStatements : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "payment_statement",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    quarter = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    run_id = table.Column<long>(type: "INTEGER", nullable: false),
                    contract_sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    json = table.Column<string>(type: "TEXT", nullable: false),
                    sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    issued_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    issued_by = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_payment_statement", x => x.id);
                    table.ForeignKey(
                        name: "fk_payment_statement_measure_run_run_id",
                        column: x => x.run_id,
                        principalTable: "measure_run",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_payment_statement_quarter_run_id_contract_sha256",
                table: "payment_statement",
                columns: new[] { "quarter", "run_id", "contract_sha256" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_payment_statement_run_id",
                table: "payment_statement",
                column: "run_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "payment_statement");
        }
    }
}
