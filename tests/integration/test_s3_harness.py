"""The moto server the data-mover tests use answers the S3 API over HTTP on 127.0.0.1."""

from __future__ import annotations

from s3_harness import S3Server


def test_objects_round_trip_through_a_fresh_bucket(moto_s3: S3Server) -> None:
    bucket = moto_s3.bucket()
    s3 = moto_s3.client()
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key="a/b.txt")["Body"].read() == b"hello"
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in listed] == ["a/b.txt"]
    assert moto_s3.endpoint.startswith("http://127.0.0.1:")
