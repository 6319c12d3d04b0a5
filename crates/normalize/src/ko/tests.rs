//! Table-driven tests of the Korean normaliser.

use super::normalize;

fn check(table: &[(&str, &str)]) {
    crate::testing::check_table(normalize, table);
}

#[test]
fn sino_korean_amounts() {
    check(&[
        ("1234", "천이백삼십사"),
        ("10000", "만"),
        ("1,234,567명이", "백이십삼만사천오백육십칠 명이"),
        ("₩5,000", "오천 원"),
        ("5000원", "오천 원"),
        ("5,000원입니다.", "오천 원입니다."),
        ("$5", "오 달러"),
        ("50%", "오십 퍼센트"),
        ("3.5", "삼 점 오"),
        ("기온은 -5도", "기온은 마이너스 오 도"),
        ("5km", "오 킬로미터"),
        ("0", "영"),
    ]);
}

#[test]
fn native_korean_counters() {
    check(&[
        ("3개", "세 개"),
        ("사과 3개를 샀다.", "사과 세 개를 샀다."),
        ("2명", "두 명"),
        ("1마리", "한 마리"),
        ("20살", "스무 살"),
        ("21살", "스물한 살"),
        ("100개", "백 개"),
        ("3시간", "세 시간"),
        ("3개월", "삼 개월"),
    ]);
}

#[test]
fn times_and_dates() {
    check(&[
        ("5시", "다섯 시"),
        ("30분", "삼십 분"),
        ("5시 30분", "다섯 시 삼십 분"),
        ("13시", "십삼 시"),
        ("5:30", "다섯 시 삼십 분"),
        ("14:05", "십사 시 오 분"),
        ("2026년 3월 14일", "이천이십육 년 삼월 십사 일"),
        ("6월", "유월"),
        ("10월", "시월"),
        ("2026-03-14", "이천이십육 년 삼월 십사 일"),
    ]);
}

#[test]
fn phone_numbers_and_pass_through() {
    check(&[
        ("010-1234-5678", "공일공 일이삼사 오육칠팔"),
        ("02-123-4567", "공이 일이삼 사오육칠"),
        ("안녕하세요, 반갑습니다!", "안녕하세요, 반갑습니다!"),
        ("MP3 파일", "MP3 파일"),
    ]);
}

#[test]
fn say_as_readings() {
    use super::say_as;
    use crate::ssml::InterpretAs;
    assert_eq!(say_as("1234", InterpretAs::Cardinal), "천이백삼십사");
    assert_eq!(say_as("1", InterpretAs::Ordinal), "첫 번째");
    assert_eq!(say_as("3", InterpretAs::Ordinal), "세 번째");
    assert_eq!(say_as("2024", InterpretAs::Digits), "이영이사");
    assert_eq!(
        say_as("010-1234-5678", InterpretAs::Telephone),
        "공일공 일이삼사 오육칠팔"
    );
    assert_eq!(say_as("A1", InterpretAs::Characters), "A 일");
    assert_eq!(say_as("5000원", InterpretAs::Currency), "오천 원");
}
