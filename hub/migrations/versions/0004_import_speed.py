"""uploads keep their original file compressed; offers lose a redundant provider_id index

Revision ID: 0004_import_speed
Revises: 0003_offer_documents
Create Date: 2026-11-26 07:00:00
"""
import zlib

import sqlalchemy as sa
from alembic import op

revision = '0004_import_speed'
down_revision = '0003_offer_documents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: the original as uploaded (every row before this revision); "zlib": compressed.
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_compression', sa.String(length=10),
                                      nullable=True))
    # The unique (provider_id, angebot_id) index starts with provider_id and serves every
    # lookup by provider; the second index only cost time on each insert.
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_provider_id'))


def downgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_provider_id'), ['provider_id'], unique=False)
    # Back to one column meaning "as uploaded": decompress what this revision compressed.
    bind = op.get_bind()
    uploads = sa.table('uploads', sa.column('id', sa.Integer),
                       sa.column('original', sa.LargeBinary),
                       sa.column('original_compression', sa.String))
    rows = bind.execute(sa.select(uploads.c.id).where(
        uploads.c.original_compression == 'zlib')).scalars().all()
    for upload_id in rows:
        packed = bind.execute(sa.select(uploads.c.original).where(
            uploads.c.id == upload_id)).scalar_one()
        bind.execute(uploads.update().where(uploads.c.id == upload_id).values(
            original=None if packed is None else zlib.decompress(packed)))
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_column('original_compression')
