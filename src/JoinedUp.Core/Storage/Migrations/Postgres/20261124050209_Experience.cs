using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace JoinedUp.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Experience : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "experience_invitation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    patient_id = table.Column<long>(type: "bigint", nullable: false),
                    questionnaire = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    service_id = table.Column<int>(type: "integer", nullable: true),
                    practice_id = table.Column<int>(type: "integer", nullable: true),
                    trigger = table.Column<int>(type: "integer", nullable: false),
                    source_id = table.Column<long>(type: "bigint", nullable: false),
                    contact_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    token_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    sent_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    answered_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_experience_invitation", x => x.id);
                    table.ForeignKey(
                        name: "fk_experience_invitation_organisation_practice_id",
                        column: x => x.practice_id,
                        principalTable: "organisation",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_experience_invitation_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_experience_invitation_service_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "experience_response",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    questionnaire = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    questionnaire_version = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    service_id = table.Column<int>(type: "integer", nullable: true),
                    practice_id = table.Column<int>(type: "integer", nullable: true),
                    network_id = table.Column<int>(type: "integer", nullable: true),
                    contact_date = table.Column<DateOnly>(type: "date", nullable: false),
                    authored_date = table.Column<DateOnly>(type: "date", nullable: false),
                    channel = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_experience_response", x => x.id);
                    table.ForeignKey(
                        name: "fk_experience_response_network_network_id",
                        column: x => x.network_id,
                        principalTable: "network",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_experience_response_organisation_practice_id",
                        column: x => x.practice_id,
                        principalTable: "organisation",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_experience_response_service_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "experience_watermark",
                columns: table => new
                {
                    trigger = table.Column<int>(type: "integer", nullable: false),
                    scanned_to = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_experience_watermark", x => x.trigger);
                });

            migrationBuilder.CreateTable(
                name: "experience_answer",
                columns: table => new
                {
                    response_id = table.Column<long>(type: "bigint", nullable: false),
                    link_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    text = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_experience_answer", x => new { x.response_id, x.link_id });
                    table.ForeignKey(
                        name: "fk_experience_answer_experience_response_response_id",
                        column: x => x.response_id,
                        principalTable: "experience_response",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_referral_route_first_contact_at",
                table: "referral_route",
                column: "first_contact_at",
                filter: "first_contact_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_encounter_service_last_updated",
                table: "encounter",
                column: "last_updated",
                filter: "service_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_experience_invitation_patient_id_service_id_sent_at",
                table: "experience_invitation",
                columns: new[] { "patient_id", "service_id", "sent_at" });

            migrationBuilder.CreateIndex(
                name: "ix_experience_invitation_practice_id",
                table: "experience_invitation",
                column: "practice_id");

            migrationBuilder.CreateIndex(
                name: "ix_experience_invitation_service_id",
                table: "experience_invitation",
                column: "service_id");

            migrationBuilder.CreateIndex(
                name: "ix_experience_invitation_token_hash",
                table: "experience_invitation",
                column: "token_hash",
                unique: true,
                filter: "token_hash IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_experience_invitation_trigger_source_id",
                table: "experience_invitation",
                columns: new[] { "trigger", "source_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_experience_response_network_id",
                table: "experience_response",
                column: "network_id");

            migrationBuilder.CreateIndex(
                name: "ix_experience_response_practice_id",
                table: "experience_response",
                column: "practice_id");

            migrationBuilder.CreateIndex(
                name: "ix_experience_response_questionnaire_authored_date",
                table: "experience_response",
                columns: new[] { "questionnaire", "authored_date" });

            migrationBuilder.CreateIndex(
                name: "ix_experience_response_service_id",
                table: "experience_response",
                column: "service_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "experience_answer");

            migrationBuilder.DropTable(
                name: "experience_invitation");

            migrationBuilder.DropTable(
                name: "experience_watermark");

            migrationBuilder.DropTable(
                name: "experience_response");

            migrationBuilder.DropIndex(
                name: "ix_referral_route_first_contact_at",
                table: "referral_route");

            migrationBuilder.DropIndex(
                name: "ix_encounter_service_last_updated",
                table: "encounter");
        }
    }
}
